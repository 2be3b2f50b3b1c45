"""Training the ticket classifier: choose, calibrate, evaluate on held-out rows, refit.

1. A stratified held-out split (``test_size``); the held-out rows are only ever scored.
2. On the training part, ml/selection.py cross-validates the candidates of
   ml/candidates.py on a bounded stratified sample and picks the best macro-F1.
3. The winner's out-of-fold scores fit the calibration temperature and the thresholds
   that reach the target precision (ml/calibration.py).
4. The winner is fitted on the whole training part and scored on the held-out rows:
   accuracy, macro-F1, per class, the reliability table, coverage and accuracy at the
   thresholds.
5. The winner is refitted on every row for the saved model, with the temperature and
   thresholds of step 3, and the similarity index over the word vectors.
"""

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
from sklearn.model_selection import train_test_split

from ml.calibration import (
    at_policy,
    decision_policy,
    expected_calibration_error,
    fit_temperature,
    reliability_table,
)
from ml.candidates import (  # noqa: F401 - build_classifier: re-exported for callers
    DEFAULT_CANDIDATE,
    Candidate,
    FittedFeatures,
    build_classifier,
    candidate_named,
    combine_blocks,
    fit_features,
    fit_scorer,
)
from ml.features import CharVectorizer, TicketVectorizer, hashed_counts
from ml.linear import calibrated_proba
from ml.metrics import classification_metrics
from ml.model import TicketModel
from ml.params import DEFAULT_SELECTION, DEFAULT_TRAINING, SelectionParams, TrainingParams
from ml.selection import Selection, select_configuration
from ml.similarity import SimilarityIndex

# Below this there is nothing meaningful to hold out and evaluate on.
MIN_ROWS = 10


class TrainingError(ValueError):
    """The data cannot produce a model (too few rows or classes); message says why."""


@dataclass
class TrainingResult:
    model: TicketModel
    metrics: dict
    classes: list[str]
    n_samples: int
    dropped_classes: list[str] = field(default_factory=list)
    training_seconds: float = 0.0
    # Wall-clock seconds per phase (hashing, selection, evaluation, refit, index).
    phase_seconds: dict[str, float] = field(default_factory=dict)
    # The held-out rows the metrics were measured on, for comparing another model on the
    # same rows (the promotion gate, ml/promotion.py): their texts, labels, ids (when ids
    # were given) and what the evaluation model, fitted without them, predicted. The saved
    # model is refitted on every row, held-out ones included: only these predictions are
    # an honest score of it on those rows.
    holdout_texts: list[str] = field(default_factory=list, repr=False)
    holdout_labels: list[str] = field(default_factory=list, repr=False)
    holdout_ids: list[int] = field(default_factory=list, repr=False)
    holdout_predicted: list[str] = field(default_factory=list, repr=False)

    def metadata(self) -> dict:
        """What an artefact should record about this training run."""
        return {
            "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "n_samples": self.n_samples,
            "classes": self.classes,
            "dropped_classes": self.dropped_classes,
            "metrics": self.metrics,
            "training_seconds": round(self.training_seconds, 3),
        }


class _PhaseClock:
    def __init__(self) -> None:
        self.started = self.last = time.perf_counter()
        self.laps: dict[str, float] = {}

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = round(now - self.last, 3)
        self.last = now

    def total(self) -> float:
        return time.perf_counter() - self.started


def _check_sizes(n_rows: int, n_classes: int, test_size: float) -> None:
    if n_classes < 2:
        raise TrainingError(f"need at least 2 categories with enough tickets, got {n_classes}")
    if n_rows < MIN_ROWS:
        raise TrainingError(f"need at least {MIN_ROWS} labelled tickets, got {n_rows}")
    # train_test_split rounds the test share up; each side needs every class once.
    n_test = int(np.ceil(test_size * n_rows))
    if min(n_test, n_rows - n_test) < n_classes:
        raise TrainingError(
            f"{n_rows} tickets are too few to hold out {test_size:.0%} "
            f"with all {n_classes} categories on both sides"
        )


def train_classifier(
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    ids: Sequence[int] | None = None,
    test_size: float = DEFAULT_TRAINING.test_size,
    seed: int = DEFAULT_TRAINING.seed,
    min_per_class: int = TrainingParams.MIN_PER_CLASS_MIN,
    n_jobs: int = 2,
    selection: SelectionParams = DEFAULT_SELECTION,
) -> TrainingResult:
    """Choose a configuration, calibrate it, evaluate it on held-out rows, refit on all.

    ``texts`` are ``ml.text.join_ticket_text(title, description)`` values.
    Categories with fewer than ``min_per_class`` tickets (never fewer than 2,
    which the stratified split needs) are dropped and listed in the result.
    With ``ids`` a similarity index over every given ticket is built into the
    model. Raises TrainingError when fewer than 2 categories or MIN_ROWS
    tickets remain, or the split cannot hold every category on both sides.
    """
    clock = _PhaseClock()
    if len(texts) != len(labels) or (ids is not None and len(ids) != len(texts)):
        raise TrainingError("texts, labels and ids must have the same length")
    if ids is not None and len(set(ids)) != len(ids):
        raise TrainingError("ids must be unique")
    counts_per_class = Counter(labels)
    dropped = sorted(c for c, n in counts_per_class.items() if n < max(min_per_class, 2))
    dropped_set = set(dropped)
    keep = np.array([label not in dropped_set for label in labels], dtype=bool)
    kept_positions = np.flatnonzero(keep)
    y = np.asarray(labels, dtype=object)[keep]
    _check_sizes(len(y), len(counts_per_class) - len(dropped), test_size)

    # Hashing is stateless: count once, fit the IDF separately for each model.
    counts = hashed_counts(list(texts), n_jobs=n_jobs)
    clock.lap("hashing")
    kept_counts = counts[keep] if dropped else counts
    train, test = stratified_split(y, test_size=test_size, seed=seed)
    chosen, metrics, (held_classes, held_probabilities) = select_and_evaluate(
        kept_counts,
        _Rows(texts, kept_positions),
        y,
        train,
        test,
        seed=seed,
        selection=selection,
        n_jobs=n_jobs,
        clock=clock,
    )
    candidate, temperature = chosen.candidate, metrics["calibration"]["temperature"]
    policy = metrics["policy"]
    del kept_counts
    clock.lap("evaluation")

    # Unsupervised IDF may learn from every ticket, labelled class dropped or not.
    features = FittedFeatures(TicketVectorizer().fit_counts(counts))
    char_counts = None
    if candidate.chars:
        char_counts = hashed_counts(
            [texts[i] for i in kept_positions], n_jobs=n_jobs, analyzer="char_wb"
        )
        features.chars = CharVectorizer().fit_counts(char_counts)
    vectors = features.words.weight(counts, in_place=True)
    del counts
    kept_vectors = vectors[keep] if dropped else vectors
    if candidate.chars:
        kept_vectors = combine_blocks(
            kept_vectors, features.chars.weight(char_counts, in_place=True)
        )
        del char_counts
    classifier = fit_scorer(candidate, kept_vectors, y, seed=seed, n_jobs=n_jobs)
    del kept_vectors
    classifier.temperature = temperature
    clock.lap("refit")
    index = SimilarityIndex(ids, vectors, features.words, labels) if ids is not None else None
    model = TicketModel(
        features.words, classifier, index, char_vectorizer=features.chars, policy=policy
    )
    clock.lap("index")
    metrics["phase_seconds"] = dict(clock.laps)
    result = TrainingResult(
        model=model,
        metrics=metrics,
        classes=model.classes,
        n_samples=int(len(y)),
        dropped_classes=dropped,
        training_seconds=clock.total(),
        phase_seconds=clock.laps,
        holdout_texts=[texts[i] for i in kept_positions[test]],
        holdout_labels=[str(label) for label in y[test]],
        holdout_ids=[int(ids[i]) for i in kept_positions[test]] if ids is not None else [],
        holdout_predicted=[str(held_classes[i]) for i in held_probabilities.argmax(axis=1)],
    )
    # Travels with the model into its artefact, whatever metadata the caller adds.
    model.metadata = result.metadata()
    return result


def select_and_evaluate(
    counts,
    texts: Sequence[str],
    y: np.ndarray,
    train,
    test,
    *,
    seed: int,
    selection: SelectionParams = DEFAULT_SELECTION,
    n_jobs: int = 1,
    clock: _PhaseClock | None = None,
) -> tuple[Selection, dict, tuple[list[str], np.ndarray]]:
    """Steps 2-4: choose on the training rows, calibrate, score the held-out rows.

    ``counts`` (hashed word counts), ``texts`` and ``y`` are row-aligned; ``train`` and
    ``test`` are positions in them. Returns the selection, the held-out metrics (with
    the selection's table, the calibration and the decision policy) and the held-out
    rows' (classes, probabilities).
    """
    chosen = select_configuration(
        counts[train],
        _Rows(texts, np.asarray(train)),
        y[train],
        n_refit_rows=len(y),
        max_rows=selection.max_rows,
        folds=selection.folds,
        seed=seed,
    )
    temperature, policy = _calibrate(chosen, selection.target_precision)
    if clock is not None:
        clock.lap("selection")
    classes, probabilities = fit_and_score(
        counts,
        y,
        train,
        test,
        seed=seed,
        n_jobs=n_jobs,
        candidate=chosen.candidate,
        texts=texts,
        temperature=temperature,
    )
    metrics = held_out_metrics(
        classes,
        probabilities,
        y[test],
        n_train=len(train),
        candidate=chosen.candidate,
        policy=policy,
        temperature=temperature,
    )
    metrics["selection"] = chosen.summary()
    metrics["calibration"]["oof_rows"] = chosen.sample_rows if chosen.oof_scores is not None else 0
    return chosen, metrics, (classes, probabilities)


class _Rows:
    """A read-only view of some positions of a sequence, without copying the texts."""

    def __init__(self, items: Sequence, positions: np.ndarray):
        self.items, self.positions = items, positions

    def __len__(self) -> int:
        return len(self.positions)

    def __getitem__(self, i: int):
        return self.items[int(self.positions[i])]

    def take(self, rows) -> list:
        return [self.items[int(self.positions[i])] for i in rows]


def _calibrate(chosen: Selection, target: float) -> tuple[float | None, dict]:
    """Temperature and decision policy from the winner's out-of-fold scores."""
    if chosen.oof_scores is None:
        policy = {
            "target_precision": target,
            "reached": False,
            "threshold": None,
            "per_class": {},
            "fitted_on": {"rows": 0, "precision": None, "coverage": 0.0},
            "reason": chosen.reason,
        }
        return None, policy
    temperature = fit_temperature(chosen.oof_scores, chosen.oof_y)
    probabilities = calibrated_proba(chosen.oof_scores, temperature)
    return temperature, decision_policy(probabilities, chosen.oof_y, chosen.classes, target=target)


def stratified_split(y: np.ndarray, *, test_size: float, seed: int):
    """Row positions (train, test) of the held-out split, stratified by label."""
    return train_test_split(np.arange(len(y)), test_size=test_size, random_state=seed, stratify=y)


def evaluate_on_split(
    counts,
    y: np.ndarray,
    train,
    test,
    *,
    seed: int,
    n_jobs: int = 1,
    candidate: Candidate | None = None,
    texts: Sequence[str] | None = None,
    temperature: float | None = None,
    policy: dict | None = None,
) -> dict:
    """Fit on the training rows only (IDF included) and score the held-out rows.

    ``counts`` are ``hashed_counts`` of the texts, row-aligned with ``y`` (and
    ``texts``, needed by a candidate with character n-grams). Without a
    ``candidate`` it is the SGD configuration, uncalibrated.
    """
    classes, probabilities = fit_and_score(
        counts,
        y,
        train,
        test,
        seed=seed,
        n_jobs=n_jobs,
        candidate=candidate,
        texts=texts,
        temperature=temperature,
    )
    return held_out_metrics(
        classes,
        probabilities,
        y[test],
        n_train=len(train),
        candidate=candidate,
        policy=policy,
        temperature=temperature,
    )


def fit_and_score(
    counts, y, train, test, *, seed, n_jobs=1, candidate=None, texts=None, temperature=None
) -> tuple[list[str], np.ndarray]:
    """Fit a candidate (default: SGD, uncalibrated) on the training rows, IDF included;
    its classes and the held-out rows' probabilities."""
    candidate = candidate or candidate_named(DEFAULT_CANDIDATE)
    char_train = char_test = None
    if candidate.chars:
        char_train = hashed_counts([texts[i] for i in train], n_jobs=n_jobs, analyzer="char_wb")
        char_test = hashed_counts([texts[i] for i in test], analyzer="char_wb")
    features = fit_features(candidate, counts[train], char_train)
    # counts[train] is a fresh copy (and char_train used only here): weighted in place.
    vectors = features.vectors(counts[train], char_train, in_place=True)
    classifier = fit_scorer(candidate, vectors, y[train], seed=seed, n_jobs=n_jobs)
    del vectors
    classifier.temperature = temperature
    probabilities = classifier.predict_proba(features.vectors(counts[test], char_test))
    return [str(c) for c in classifier.classes_], probabilities


def held_out_metrics(
    classes, probabilities, y_test, *, n_train, candidate=None, policy=None, temperature=None
) -> dict:
    """classification_metrics of the held-out rows, the reliability table and, with a
    ``policy``, the coverage and accuracy at its thresholds."""
    candidate = candidate or candidate_named(DEFAULT_CANDIDATE)
    best = probabilities.argmax(axis=1)
    y_pred = np.asarray(classes, dtype=object)[best]
    metrics = classification_metrics(
        list(y_test), y_pred.tolist(), probabilities.max(axis=1), classes
    )
    metrics["n_train"] = n_train
    metrics["config"] = candidate.name
    y_index = np.searchsorted(np.asarray(classes, dtype=object), np.asarray(y_test, dtype=object))
    table = reliability_table(probabilities, y_index)
    metrics["calibration"] = {
        "temperature": temperature,
        "reliability": table,
        "expected_calibration_error": expected_calibration_error(table),
    }
    if policy is not None:
        metrics["policy"] = policy
        metrics["at_target"] = at_policy(policy, classes, probabilities, y_index)
    return metrics
