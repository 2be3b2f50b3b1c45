"""Confidence that means something: calibration, a threshold per target precision,
and the reliability table that shows whether it worked.

All of it is fitted on out-of-fold predictions of the training part (the
cross-validation that chose the configuration made them anyway), never on the
held-out rows, which only report how it turned out.

- Calibration: one temperature T for a softmax of the decision scores divided by T,
  minimising the log-loss of the out-of-fold scores. It never changes which category
  wins, only how sure the model says it is, and works for every linear estimator.
- Threshold: the lowest confidence at which the model's decisions still reach the
  target precision (share of decisions that are right), per predicted category where
  that category has at least ``MIN_CLASS_ROWS`` out-of-fold decisions, else the
  global one. When no threshold reaches the target, there is none: the model decides
  nothing (the keyword rules do), and the policy says so (``reached`` false).
"""

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.special import log_softmax

# A category's own threshold needs this many out-of-fold decisions for it.
MIN_CLASS_ROWS = 30
# The global threshold needs this many decisions at or above it.
MIN_DECISIONS = 10
# Reliability bands: [0, 0.1), [0.1, 0.2), ... [0.9, 1.0].
BANDS = 10


def fit_temperature(scores: np.ndarray, y_index: np.ndarray) -> float:
    """The temperature minimising the log-loss of softmax(scores / T) (0.01 to 100)."""
    scores = np.asarray(scores, dtype=np.float64)
    rows = np.arange(len(y_index))

    def loss(log_t: float) -> float:
        return -float(log_softmax(scores / np.exp(log_t), axis=1)[rows, y_index].mean())

    # Bounded, derivative-free and deterministic; the loss is convex in 1/T.
    best = minimize_scalar(loss, bounds=(np.log(0.01), np.log(100.0)), method="bounded")
    return round(float(np.exp(best.x)), 6)


def _precision_threshold(confidence: np.ndarray, correct: np.ndarray, target: float, minimum: int):
    """(threshold, precision, n) with the most decisions at precision >= target, or None."""
    order = np.argsort(-confidence, kind="stable")
    conf, hits = confidence[order], np.cumsum(correct[order])
    counts = np.arange(1, len(conf) + 1)
    # Only cut between distinct confidences: a threshold takes every row at or above it.
    last_of_value = np.r_[conf[1:] != conf[:-1], True]
    ok = last_of_value & (counts >= minimum) & (hits >= target * counts - 1e-12)
    if not ok.any():
        return None
    k = int(np.flatnonzero(ok)[-1])
    return float(conf[k]), float(hits[k] / counts[k]), int(counts[k])


def decision_policy(
    probabilities: np.ndarray, y_index: np.ndarray, classes: list[str], *, target: float
) -> dict:
    """Thresholds reaching ``target`` precision on out-of-fold ``probabilities``.

    Returns {"target_precision", "reached", "threshold" (global, None when unreachable),
    "per_class": {label: threshold or None}, "fitted_on": {...}} where per_class holds
    only the categories with enough decisions of their own.
    """
    predicted = probabilities.argmax(axis=1)
    confidence = probabilities.max(axis=1)
    correct = predicted == y_index
    found = _precision_threshold(confidence, correct, target, MIN_DECISIONS)
    policy = {
        "target_precision": target,
        "reached": found is not None,
        "threshold": None if found is None else round(found[0], 6),
        "per_class": {},
        "fitted_on": {
            "rows": int(len(y_index)),
            "precision": None if found is None else round(found[1], 4),
            "coverage": 0.0 if found is None else round(found[2] / len(y_index), 4),
        },
    }
    for index, label in enumerate(classes):
        mine = predicted == index
        if mine.sum() < MIN_CLASS_ROWS:
            continue
        own = _precision_threshold(confidence[mine], correct[mine], target, MIN_DECISIONS)
        policy["per_class"][label] = None if own is None else round(own[0], 6)
    return policy


def policy_threshold(policy: dict, label: str) -> float | None:
    """The confidence a decision for ``label`` needs; None: the model never decides it."""
    if label in policy.get("per_class", {}):
        return policy["per_class"][label]
    return policy.get("threshold")


def decided_mask(policy: dict, classes: list[str], probabilities: np.ndarray) -> np.ndarray:
    """Which rows the model would decide under ``policy``."""
    predicted = probabilities.argmax(axis=1)
    confidence = probabilities.max(axis=1)
    needed = np.array(
        [np.inf if (t := policy_threshold(policy, c)) is None else t for c in classes]
    )
    return confidence >= needed[predicted]


def at_policy(policy: dict, classes: list[str], probabilities: np.ndarray, y_index) -> dict:
    """Coverage and accuracy of the decisions the policy lets the model make."""
    decided = decided_mask(policy, classes, probabilities)
    correct = probabilities.argmax(axis=1) == np.asarray(y_index)
    n = int(decided.sum())
    return {
        "coverage": round(n / len(decided), 4) if len(decided) else 0.0,
        "accuracy": round(float(correct[decided].mean()), 4) if n else None,
        "n": n,
        "n_test": int(len(decided)),
    }


def reliability_table(probabilities: np.ndarray, y_index: np.ndarray) -> list[dict]:
    """Per confidence band: rows, mean confidence and observed accuracy of the top guess."""
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == np.asarray(y_index)
    band = np.minimum((confidence * BANDS).astype(int), BANDS - 1)
    table = []
    for b in range(BANDS):
        inside = band == b
        n = int(inside.sum())
        table.append(
            {
                "band": [round(b / BANDS, 1), round((b + 1) / BANDS, 1)],
                "n": n,
                "confidence": round(float(confidence[inside].mean()), 4) if n else None,
                "accuracy": round(float(correct[inside].mean()), 4) if n else None,
            }
        )
    return table


def expected_calibration_error(table: list[dict]) -> float:
    """Mean |confidence - accuracy| over the bands, weighted by their rows."""
    total = sum(row["n"] for row in table)
    if not total:
        return 0.0
    gap = sum(row["n"] * abs(row["confidence"] - row["accuracy"]) for row in table if row["n"])
    return round(gap / total, 4)
