"""Choosing the configuration on the team's own tickets, by stratified cross-validation.

Only the training part of the held-out split comes here, so the held-out rows never
influence the choice. The cross-validation runs on a stratified sample of at most
``max_rows`` of those rows with ``folds`` folds: bounded by construction, not by a clock,
and the same rows and seed give the same choice. Each fold learns its own IDF weights.
The winner is the best mean macro-F1 (ties: the earlier, cheaper candidate); its
out-of-fold scores are kept for calibration (ml/calibration.py).
"""

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold

from ml.candidates import (
    CANDIDATES,
    DEFAULT_CANDIDATE,
    Candidate,
    candidate_named,
    fit_features,
    fit_scorer,
)
from ml.features import hashed_counts


@dataclass
class Selection:
    candidate: Candidate
    classes: list[str]
    # One row per candidate: name, description, eligible, cv_macro_f1 (mean, std, folds), seconds.
    table: list[dict]
    sample_rows: int
    folds: int
    seconds: float
    # Out-of-fold per-class scores of the winner on the sample, and the true class indices.
    oof_scores: np.ndarray | None = None
    oof_y: np.ndarray | None = None
    reason: str = ""
    sample_index: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def summary(self) -> dict:
        return {
            "chosen": self.candidate.name,
            "chosen_description": self.candidate.description,
            "sample_rows": self.sample_rows,
            "folds": self.folds,
            "seconds": round(self.seconds, 3),
            "reason": self.reason,
            "candidates": self.table,
        }


def stratified_sample(y: np.ndarray, max_rows: int, *, seed: int) -> np.ndarray:
    """Sorted positions of at most ``max_rows`` rows, each class in proportion (at least 1)."""
    n = len(y)
    if n <= max_rows:
        return np.arange(n)
    rng = np.random.default_rng(seed)
    classes, y_index = np.unique(y, return_inverse=True)
    counts = np.bincount(y_index)
    quotas = np.maximum(1, np.floor(counts * max_rows / n).astype(int))
    while quotas.sum() > max_rows:  # only when many classes took their minimum of 1
        quotas[int(np.argmax(quotas))] -= 1
    chosen = []
    for c in range(len(classes)):
        members = np.flatnonzero(y_index == c)
        chosen.append(rng.permutation(members)[: quotas[c]])
    return np.sort(np.concatenate(chosen))


def select_configuration(
    word_counts,
    texts: Sequence[str],
    y: np.ndarray,
    *,
    n_refit_rows: int,
    max_rows: int,
    folds: int,
    seed: int,
    candidates: Sequence[Candidate] = CANDIDATES,
) -> Selection:
    """Cross-validate every candidate eligible at ``n_refit_rows`` on a sample of the rows.

    ``word_counts`` (hashed counts) and ``texts`` are row-aligned with ``y``; character
    counts are computed for the sample only, when a candidate needs them.
    """
    started = time.perf_counter()
    sample = stratified_sample(y, max_rows, seed=seed)
    y_sample = y[sample]
    classes, y_index = np.unique(y_sample, return_inverse=True)
    labels = [str(c) for c in classes]
    k = int(min(folds, np.bincount(y_index).min()))
    eligible = [c for c in candidates if c.eligible(n_refit_rows)]
    table = [
        {
            "name": c.name,
            "description": c.description,
            "eligible": c in eligible,
            "max_rows": c.max_rows,
            "cv_macro_f1": None,
            "cv_std": None,
            "fold_scores": [],
            "seconds": 0.0,
        }
        for c in candidates
    ]
    if k < 2 or not eligible:
        default = candidate_named(DEFAULT_CANDIDATE)
        reason = "too few tickets per category to cross-validate: the default configuration"
        seconds = time.perf_counter() - started
        return Selection(default, labels, table, len(sample), k, seconds, reason=reason)

    counts = word_counts[sample]
    char_counts = None
    if any(c.chars for c in eligible):
        char_counts = hashed_counts([texts[i] for i in sample], analyzer="char_wb")
    rows = {c.name: row for c, row in zip(candidates, table, strict=True)}
    oof = {c.name: np.zeros((len(sample), len(classes))) for c in eligible}
    splitter = StratifiedKFold(k, shuffle=True, random_state=seed)
    for fit_rows, val_rows in splitter.split(np.zeros(len(sample)), y_index):
        for candidate in eligible:
            clock = time.perf_counter()
            chars_fit = char_counts[fit_rows] if candidate.chars else None
            features = fit_features(candidate, counts[fit_rows], chars_fit)
            chars_val = char_counts[val_rows] if candidate.chars else None
            scorer = candidate_fit(
                candidate, features, counts[fit_rows], chars_fit, y_sample[fit_rows], seed
            )
            scores = scorer.class_scores(features.vectors(counts[val_rows], chars_val))
            oof[candidate.name][val_rows] = scores
            predicted = scores.argmax(axis=1)
            row = rows[candidate.name]
            row["fold_scores"].append(
                round(
                    float(
                        f1_score(
                            y_index[val_rows],
                            predicted,
                            labels=np.arange(len(classes)),
                            average="macro",
                            zero_division=0,
                        )
                    ),
                    4,
                )
            )
            row["seconds"] += time.perf_counter() - clock
    best = None
    for candidate in eligible:
        row = rows[candidate.name]
        row["cv_macro_f1"] = round(float(np.mean(row["fold_scores"])), 4)
        row["cv_std"] = round(float(np.std(row["fold_scores"])), 4)
        row["seconds"] = round(row["seconds"], 3)
        if best is None or row["cv_macro_f1"] > rows[best.name]["cv_macro_f1"]:
            best = candidate
    return Selection(
        best,
        labels,
        table,
        len(sample),
        k,
        time.perf_counter() - started,
        oof_scores=oof[best.name],
        oof_y=y_index,
        reason="best cross-validated macro-F1",
        sample_index=sample,
    )


def candidate_fit(candidate, features, word_counts, char_counts, y, seed: int, n_jobs: int = 1):
    """Fit ``candidate`` on counts with already fitted IDF ``features``."""
    vectors = features.vectors(word_counts, char_counts)
    return fit_scorer(candidate, vectors, y, seed=seed, n_jobs=n_jobs)
