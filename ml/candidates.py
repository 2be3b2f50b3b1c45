"""The configurations training chooses from, and how one is fitted.

Every candidate is vocabulary-free (hashed features, see ml/features.py) and
linear, so the saved model is the same kind of object whichever wins
(ml/linear.py) and explanations work the same way (ml/explain.py):

- ``sgd``: hashed word 1-2 grams, SGD on the logistic loss, averaged (the model shipped
  before selection existed; linear in the rows, the only one at any size);
- ``logreg-C1``, ``logreg-C10``: the same words, logistic regression with C = 1 or 10
  (the L2-regularised objective of scikit-learn's LogisticRegression, minimised by SGD;
  see ``_logreg``);
- ``linearsvc``: the same words, LinearSVC (liblinear; probabilities calibrated like
  every candidate's, ml/calibration.py);
- ``words+chars-linearsvc``: word 1-2 grams and character 3-5 grams within words, LinearSVC.

All weigh classes as balanced, so small categories count. ``max_rows`` bounds the rows a
candidate may be refitted on: liblinear copies the data into its own format and L-BFGS
needs many passes, and character n-grams cost several times the words' memory, so at
large sizes only the cheaper candidates compete (the budgets in docs/performance.md hold
by construction, not by a clock). Every estimator is fitted on the columns the rows
use (a few thousand to a few hundred thousand of the 2**20 buckets): the same model,
without dense passes over a million zero weights.
"""

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import SGDClassifier
from sklearn.svm import LinearSVC

from ml.features import CharVectorizer, TicketVectorizer
from ml.linear import LinearScorer

ALPHA = 1e-5
# A fixed number of passes scored as well in cross-validation as running to a
# tolerance (8-18 passes) and makes training time proportional to the rows.
# Large sets need fewer: scikit-learn's rule of thumb is about 10**6 samples
# seen in total, which keeps 1,000,000 tickets within the time budget.
MAX_EPOCHS = 5
MIN_EPOCHS = 2
DEFAULT_CANDIDATE = "sgd"


def build_classifier(*, seed: int, n_jobs: int = 1, n_rows: int = 0) -> SGDClassifier:
    """The SGD classifier for ``n_rows`` training rows; seeded, so reproducible."""
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


def _logreg(c: float):
    """L2-regularised logistic regression with scikit-learn's C, minimised by SGD.

    ``LogisticRegression(C=c)`` minimises C * sum(log-loss) + |w|^2 / 2, which is
    n * C times SGD's mean(log-loss) + alpha * |w|^2 / 2 with alpha = 1 / (C * n).
    Its own L-BFGS solver took 5-13 s of CPU per fit on 1,400 real tickets (27-65
    iterations), which no sample of 20,000 rows could afford; SGD is linear in the
    rows and fits the classes in parallel.
    """

    def build(*, seed: int, n_jobs: int, n_rows: int):
        classifier = build_classifier(seed=seed, n_jobs=n_jobs, n_rows=n_rows)
        classifier.set_params(alpha=1.0 / (c * max(n_rows, 1)))
        return classifier

    return build


def _linearsvc(*, seed: int, n_jobs: int, n_rows: int):
    return LinearSVC(C=0.5, class_weight="balanced", random_state=seed)


@dataclass(frozen=True)
class Candidate:
    name: str
    description: str
    build: Callable[..., object]
    chars: bool = False  # adds the character n-gram block
    compact: bool = False  # fit on the used columns only
    max_rows: int | None = None  # refitted on at most this many rows

    def eligible(self, n_rows: int) -> bool:
        return self.max_rows is None or n_rows <= self.max_rows


CANDIDATES: tuple[Candidate, ...] = (
    Candidate(
        "sgd",
        "hashed words 1-2, SGD log-loss averaged",
        lambda *, seed, n_jobs, n_rows: build_classifier(seed=seed, n_jobs=n_jobs, n_rows=n_rows),
        compact=True,
    ),
    Candidate(
        "logreg-C1",
        "hashed words 1-2, logistic regression C=1 (SGD)",
        _logreg(1.0),
        compact=True,
    ),
    Candidate(
        "logreg-C10",
        "hashed words 1-2, logistic regression C=10 (SGD)",
        _logreg(10.0),
        compact=True,
    ),
    Candidate(
        "linearsvc",
        "hashed words 1-2, LinearSVC(C=0.5)",
        _linearsvc,
        compact=True,
        max_rows=200_000,
    ),
    Candidate(
        "words+chars-linearsvc",
        "hashed words 1-2 + char_wb 3-5, LinearSVC(C=0.5)",
        _linearsvc,
        chars=True,
        compact=True,
        max_rows=50_000,
    ),
)


def candidate_named(name: str) -> Candidate:
    for candidate in CANDIDATES:
        if candidate.name == name:
            return candidate
    raise KeyError(name)


@dataclass
class FittedFeatures:
    """The fitted IDF weightings of a candidate's feature blocks."""

    words: TicketVectorizer
    chars: CharVectorizer | None = None

    def vectors(self, word_counts, char_counts=None, *, in_place: bool = False):
        """Classifier input: weighted words, or [words | chars] scaled to unit rows."""
        words = self.words.weight(word_counts, in_place=in_place)
        if self.chars is None:
            return words
        chars = self.chars.weight(char_counts, in_place=in_place)
        return combine_blocks(words, chars)


def combine_blocks(words: sp.csr_matrix, chars: sp.csr_matrix) -> sp.csr_matrix:
    """[words | chars], each unit-length block scaled by 1/sqrt(2): unit rows again."""
    combined = sp.hstack([words, chars], format="csr", dtype=np.float32)
    combined.data *= np.float32(1 / math.sqrt(2))
    return combined


def fit_features(candidate: Candidate, word_counts, char_counts=None) -> FittedFeatures:
    """IDF weights learnt from the given rows' counts."""
    chars = CharVectorizer().fit_counts(char_counts) if candidate.chars else None
    return FittedFeatures(TicketVectorizer().fit_counts(word_counts), chars)


def _compact(vectors: sp.csr_matrix):
    """The matrix restricted to the columns its rows use, and those columns."""
    # bincount, not unique: no sorted copy of a possibly gigabyte-sized index array.
    columns = np.flatnonzero(np.bincount(vectors.indices, minlength=vectors.shape[1]))
    lookup = np.zeros(vectors.shape[1], dtype=vectors.indices.dtype)
    lookup[columns] = np.arange(len(columns), dtype=vectors.indices.dtype)
    matrix = sp.csr_matrix(
        (vectors.data, lookup[vectors.indices], vectors.indptr),
        shape=(vectors.shape[0], len(columns)),
    )
    return matrix, columns


def fit_scorer(
    candidate: Candidate, vectors: sp.csr_matrix, y, *, seed: int, n_jobs: int = 1
) -> LinearScorer:
    """Fit the candidate's estimator on weighted vectors; its weights as a LinearScorer."""
    estimator = candidate.build(seed=seed, n_jobs=n_jobs, n_rows=vectors.shape[0])
    with warnings.catch_warnings():
        # A capped number of iterations is part of the configuration, not a failure.
        warnings.simplefilter("ignore", ConvergenceWarning)
        if not candidate.compact:
            estimator.fit(vectors, y)
            return LinearScorer.from_estimator(estimator)
        matrix, columns = _compact(vectors)
        estimator.fit(matrix, y)
    return LinearScorer.from_estimator(estimator, columns=columns, n_features=vectors.shape[1])
