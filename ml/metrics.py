"""Held-out evaluation figures, as plain JSON-serialisable dicts."""

from collections.abc import Sequence

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    f1_score,
    precision_recall_fscore_support,
)

# Candidate confidence thresholds the app can pick its default from.
THRESHOLDS = tuple(round(0.1 * i, 1) for i in range(10))


def threshold_curve(
    y_true: Sequence[str],
    y_pred: Sequence[str],
    confidence: Sequence[float],
    thresholds: Sequence[float] = THRESHOLDS,
) -> list[dict]:
    """Coverage and accuracy of the predictions at or above each threshold.

    ``coverage`` is the share of tickets whose top probability reaches the
    threshold (those the app would auto-categorise); ``accuracy`` is measured
    on that share only and is None when no ticket reaches it.
    """
    correct = np.asarray(y_true) == np.asarray(y_pred)
    confidence = np.asarray(confidence, dtype=float)
    curve = []
    for threshold in thresholds:
        covered = confidence >= threshold
        n = int(covered.sum())
        curve.append(
            {
                "threshold": float(threshold),
                "coverage": n / len(correct) if len(correct) else 0.0,
                "accuracy": float(correct[covered].mean()) if n else None,
                "n": n,
            }
        )
    return curve


def classification_metrics(
    y_true: Sequence[str],
    y_pred: Sequence[str],
    confidence: Sequence[float],
    labels: Sequence[str],
) -> dict:
    """Accuracy, macro/weighted F1, per-class figures, confusion matrix, threshold curve."""
    labels = list(labels)
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, zero_division=0
    )
    scores = {"labels": labels, "zero_division": 0}
    return {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "macro_f1": float(f1_score(y_true, y_pred, average="macro", **scores)),
        "weighted_f1": float(f1_score(y_true, y_pred, average="weighted", **scores)),
        "per_class": {
            label: {
                "precision": float(precision[i]),
                "recall": float(recall[i]),
                "f1": float(f1[i]),
                "support": int(support[i]),
            }
            for i, label in enumerate(labels)
        },
        "confusion": {
            "labels": labels,
            "matrix": confusion_matrix(y_true, y_pred, labels=labels).tolist(),
        },
        "n_test": len(y_true),
        "threshold_curve": threshold_curve(y_true, y_pred, confidence),
    }
