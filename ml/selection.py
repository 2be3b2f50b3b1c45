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
    combine_blocks,
    fit_scorer,
)
from ml.features import CharVectorizer, TicketVectorizer, hashed_counts


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
        # Each fold learns its own IDF; the weighted rows are shared by the candidates.
        clock = time.perf_counter()
        blocks = _fold_vectors(counts, char_counts, fit_rows, val_rows)
        shared = (time.perf_counter() - clock) / len(eligible)
        for candidate in eligible:
            clock = time.perf_counter()
            fit_vectors, val_vectors = blocks["chars" if candidate.chars else "words"]
            scorer = fit_scorer(candidate, fit_vectors, y_sample[fit_rows], seed=seed)
            scores = scorer.class_scores(val_vectors)
            oof[candidate.name][val_rows] = scores
            macro_f1 = f1_score(
                y_index[val_rows],
                scores.argmax(axis=1),
                labels=np.arange(len(classes)),
                average="macro",
                zero_division=0,
            )
            row = rows[candidate.name]
            row["fold_scores"].append(round(float(macro_f1), 4))
            row["seconds"] += time.perf_counter() - clock + shared
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


def _fold_vectors(counts, char_counts, fit_rows, val_rows) -> dict:
    """{"words": (fit, val), "chars": (fit, val)} weighted by the fit rows' IDF."""
    words = TicketVectorizer().fit_counts(counts[fit_rows])
    blocks = {
        "words": (
            words.weight(counts[fit_rows], in_place=True),
            words.weight(counts[val_rows], in_place=True),
        )
    }
    if char_counts is not None:
        chars = CharVectorizer().fit_counts(char_counts[fit_rows])
        blocks["chars"] = tuple(
            combine_blocks(word_block, chars.weight(char_counts[part], in_place=True))
            for word_block, part in zip(blocks["words"], (fit_rows, val_rows), strict=True)
        )
    return blocks
