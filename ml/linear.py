"""The fitted linear classifier reduced to what prediction needs.

A fitted SGDClassifier keeps three dense (n_classes x 2**20) weight arrays
(current, averaged and the averaging state: 126 MB for ten classes) and its
``predict_proba`` multiplies by a transposed dense copy, about 13 ms per
ticket. Keeping only the final weights, laid out feature by feature, scores
one ticket in microseconds. Weights are stored sparse (feature x class) while
most are zero, which is the case for small help desks, and dense otherwise.
"""

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from scipy.special import expit


class LinearScorer:
    """One-vs-rest logistic probabilities from a fitted linear classifier.

    Matches ``SGDClassifier(loss="log_loss").predict_proba``: a sigmoid per
    class, normalised to sum to one over the classes.
    """

    def __init__(self, classes: Sequence[str], coef: np.ndarray, intercept: np.ndarray):
        self.classes_ = np.asarray([str(c) for c in classes], dtype=object)
        dense = np.ascontiguousarray(np.asarray(coef, dtype=np.float32).T)
        # A sparse entry costs 8 bytes (value + index), a dense one 4.
        sparse_wins = 2 * np.count_nonzero(dense) < dense.size
        self.weights = sp.csr_matrix(dense) if sparse_wins else dense
        self.intercept = np.asarray(intercept, dtype=np.float32)

    @classmethod
    def from_estimator(cls, estimator) -> "LinearScorer":
        """Copy the final weights out of a fitted scikit-learn linear classifier."""
        return cls(estimator.classes_, estimator.coef_, estimator.intercept_)

    def decision_function(self, vectors: sp.csr_matrix) -> np.ndarray:
        scores = vectors @ self.weights
        return (scores.toarray() if sp.issparse(scores) else np.asarray(scores)) + self.intercept

    def predict_proba(self, vectors: sp.csr_matrix) -> np.ndarray:
        """Probabilities, one row per vector, columns in ``classes_`` order."""
        scores = self.decision_function(vectors)
        if len(self.classes_) == 2:
            # A binary model has one weight column, for the second class.
            positive = expit(scores[:, 0])
            return np.column_stack([1.0 - positive, positive])
        probabilities = expit(scores)
        return probabilities / probabilities.sum(axis=1, keepdims=True)
