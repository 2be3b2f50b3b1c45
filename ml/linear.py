"""A fitted linear classifier reduced to its weights, with calibrated probabilities.

Whatever scikit-learn estimator training chose (SGD, LogisticRegression,
LinearSVC), the saved model keeps only a weight matrix (features x classes) and
intercepts: prediction is one sparse product, and the artefact does not depend
on scikit-learn's pickle format. Weights are stored sparse when most of them
are zero, which is the case for small help desks, and dense otherwise.

Probabilities are a softmax of the decision scores divided by a temperature
fitted on out-of-fold scores (ml/calibration.py), the same for every estimator.
Models saved before calibration existed have no temperature and keep the
one-vs-rest sigmoids they were trained with.
"""

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from scipy.special import expit, softmax


class LinearScorer:
    """Scores, probabilities and per-feature weights of a linear classifier."""

    # Old artefacts pickled before the attribute existed read it from the class.
    temperature: float | None = None

    def __init__(
        self,
        classes: Sequence[str],
        coef: np.ndarray,
        intercept: np.ndarray,
        *,
        columns: np.ndarray | None = None,
        n_features: int | None = None,
    ):
        """``coef`` is (classes or 1) x features; with ``columns`` it covers only those
        feature indices out of ``n_features`` (a fit on the columns the data used)."""
        self.classes_ = np.asarray([str(c) for c in classes], dtype=object)
        coef = np.asarray(coef, dtype=np.float32)
        n_features = coef.shape[1] if columns is None else n_features
        # A sparse entry costs 8 bytes (value + index), a dense one 4.
        sparse_wins = 2 * np.count_nonzero(coef) < n_features * coef.shape[0]
        if columns is None:
            dense = np.ascontiguousarray(coef.T)
            self.weights = sp.csr_matrix(dense) if sparse_wins else dense
        elif sparse_wins:  # straight from the used columns, no dense features x classes copy
            used = sp.coo_matrix(coef.T)
            rows = np.asarray(columns)[used.row]
            shape = (n_features, coef.shape[0])
            self.weights = sp.csr_matrix((used.data, (rows, used.col)), shape=shape)
        else:
            self.weights = np.zeros((n_features, coef.shape[0]), dtype=np.float32)
            self.weights[np.asarray(columns)] = coef.T
        self.intercept = np.asarray(intercept, dtype=np.float32).reshape(-1)
        self.temperature = None

    @classmethod
    def from_estimator(cls, estimator, **compact) -> "LinearScorer":
        """Copy the final weights out of a fitted scikit-learn linear classifier."""
        return cls(estimator.classes_, estimator.coef_, estimator.intercept_, **compact)

    @property
    def n_features(self) -> int:
        return self.weights.shape[0]

    def decision_function(self, vectors: sp.csr_matrix) -> np.ndarray:
        """Raw scores; one column per class (binary models: one, for the second class)."""
        scores = vectors @ self.weights
        return (scores.toarray() if sp.issparse(scores) else np.asarray(scores)) + self.intercept

    def class_scores(self, vectors: sp.csr_matrix) -> np.ndarray:
        """Scores with one column per class (a binary model's as [0, s])."""
        return per_class_scores(self.decision_function(vectors))

    def predict_proba(self, vectors: sp.csr_matrix) -> np.ndarray:
        """Probabilities, one row per vector, columns in ``classes_`` order."""
        if self.temperature is not None:
            return calibrated_proba(self.class_scores(vectors), self.temperature)
        scores = self.decision_function(vectors)
        if len(self.classes_) == 2:
            positive = expit(scores[:, 0])
            return np.column_stack([1.0 - positive, positive])
        probabilities = expit(scores)
        return probabilities / probabilities.sum(axis=1, keepdims=True)

    def feature_rows(self, features: np.ndarray) -> np.ndarray:
        """The weights of ``features`` (indices), one row each, one column per class (a
        binary model's as [0, w]), in score units."""
        rows = self.weights[features]
        rows = rows.toarray() if sp.issparse(rows) else np.asarray(rows)
        return per_class_scores(rows)


def per_class_scores(scores: np.ndarray) -> np.ndarray:
    """A binary classifier's single column s becomes [0, s], so softmax gives sigmoid(s)."""
    scores = np.asarray(scores, dtype=np.float64)
    if scores.ndim == 1:
        scores = scores[:, None]
    if scores.shape[1] == 1:
        return np.column_stack([np.zeros(len(scores)), scores[:, 0]])
    return scores


def calibrated_proba(scores: np.ndarray, temperature: float) -> np.ndarray:
    """Softmax of per-class scores divided by the temperature."""
    return softmax(np.asarray(scores, dtype=np.float64) / temperature, axis=1)
