"""Training the ticket classifier: held-out evaluation, then a refit on every row.

Configuration, chosen on the real 2,181-ticket sample by 5-fold cross-validation
on the training part (``python -m ml.evaluate FILE.csv --candidates``) and by
the 1,000,000-ticket budget: hashed word 1-2 grams over folded text, sublinear
TF-IDF, and a linear model trained by averaged SGD on the logistic loss with
balanced class weights (macro-F1 0.248 against 0.163 for the seed). LinearSVC
scored 0.233, has no probabilities and copies the data into liblinear's own
format (3.9 GB peak at 1,000,000 tickets); LogisticRegression scored 0.225 and
took 20 s per fit on 1,400 tickets. Adding character n-grams scored 0.260,
within one standard deviation, at seven times the memory (see ml/features.py).
SGD trains on the float32 matrix the similarity index reuses, and fits its
one-vs-rest problems in parallel threads.
"""

import math
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import train_test_split

from ml.features import TicketVectorizer, hashed_counts
from ml.linear import LinearScorer
from ml.metrics import classification_metrics
from ml.model import TicketModel
from ml.params import DEFAULT_TRAINING, TrainingParams
from ml.similarity import SimilarityIndex

# Below this there is nothing meaningful to hold out and evaluate on.
MIN_ROWS = 10
ALPHA = 1e-5
# A fixed number of passes scored as well in cross-validation as running to a
# tolerance (8-18 passes) and makes training time proportional to the rows.
# Large sets need fewer: scikit-learn's rule of thumb is about 10**6 samples
# seen in total, which keeps 1,000,000 tickets within the time budget.
MAX_EPOCHS = 5
MIN_EPOCHS = 2


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
    # Wall-clock seconds per phase (hashing, evaluation, refit, index).
    phase_seconds: dict[str, float] = field(default_factory=dict)
    # The held-out rows the metrics were measured on, for comparing another model on the
    # same rows (the promotion gate, ml/promotion.py).
    holdout_texts: list[str] = field(default_factory=list, repr=False)
    holdout_labels: list[str] = field(default_factory=list, repr=False)

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


def build_classifier(*, seed: int, n_jobs: int = 1, n_rows: int = 0) -> SGDClassifier:
    """The untrained classifier for ``n_rows`` training rows; seeded, so reproducible."""
    epochs = MAX_EPOCHS if n_rows <= 0 else math.ceil(1_000_000 / n_rows)
    return SGDClassifier(
        loss="log_loss",
        alpha=ALPHA,
        average=True,
        max_iter=min(MAX_EPOCHS, max(MIN_EPOCHS, epochs)),
        tol=None,
        class_weight="balanced",
        random_state=seed,
        n_jobs=n_jobs,
    )


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
) -> TrainingResult:
    """Evaluate on a stratified held-out split, then refit on all rows.

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
    y = np.asarray(labels, dtype=object)[keep]
    _check_sizes(len(y), len(counts_per_class) - len(dropped), test_size)

    # Hashing is stateless: count once, fit the IDF separately for each model.
    counts = hashed_counts(list(texts), n_jobs=n_jobs)
    clock.lap("hashing")
    kept_counts = counts[keep] if dropped else counts
    train, test = stratified_split(y, test_size=test_size, seed=seed)
    kept_rows = np.flatnonzero(keep)
    holdout_texts = [texts[i] for i in kept_rows[test]]
    holdout_labels = [str(label) for label in y[test]]
    metrics = evaluate_on_split(kept_counts, y, train, test, seed=seed, n_jobs=n_jobs)
    del kept_counts
    clock.lap("evaluation")

    # Unsupervised IDF may learn from every ticket, labelled class dropped or not.
    vectorizer = TicketVectorizer().fit_counts(counts)
    vectors = vectorizer.weight(counts, in_place=True)
    del counts
    classifier = build_classifier(seed=seed, n_jobs=n_jobs, n_rows=len(y))
    classifier.fit(vectors[keep] if dropped else vectors, y)
    clock.lap("refit")
    index = SimilarityIndex(ids, vectors, vectorizer, labels) if ids is not None else None
    model = TicketModel(vectorizer, LinearScorer.from_estimator(classifier), index)
    clock.lap("index")
    result = TrainingResult(
        model=model,
        metrics=metrics,
        classes=model.classes,
        n_samples=int(len(y)),
        dropped_classes=dropped,
        training_seconds=clock.total(),
        phase_seconds=clock.laps,
        holdout_texts=holdout_texts,
        holdout_labels=holdout_labels,
    )
    # Travels with the model into its artefact, whatever metadata the caller adds.
    model.metadata = result.metadata()
    return result


def stratified_split(y: np.ndarray, *, test_size: float, seed: int):
    """Row positions (train, test) of the held-out split, stratified by label."""
    return train_test_split(np.arange(len(y)), test_size=test_size, random_state=seed, stratify=y)


def evaluate_on_split(counts, y: np.ndarray, train, test, *, seed: int, n_jobs: int = 1) -> dict:
    """Fit on the training rows only (IDF included) and score the held-out rows.

    ``counts`` are ``hashed_counts`` of the texts, row-aligned with ``y``.
    """
    train_counts = counts[train]
    vectorizer = TicketVectorizer().fit_counts(train_counts)
    classifier = build_classifier(seed=seed, n_jobs=n_jobs, n_rows=len(train))
    classifier.fit(vectorizer.weight(train_counts, in_place=True), y[train])
    model = TicketModel(vectorizer, LinearScorer.from_estimator(classifier))
    probabilities = model.predict_proba(vectorizer.weight(counts[test], in_place=True))
    best = probabilities.argmax(axis=1)
    y_pred = np.asarray(model.classes, dtype=object)[best]
    metrics = classification_metrics(
        y[test].tolist(), y_pred.tolist(), probabilities.max(axis=1), model.classes
    )
    metrics["n_train"] = len(train)
    return metrics
