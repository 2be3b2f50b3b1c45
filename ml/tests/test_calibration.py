"""Calibrated confidence, the threshold for a target precision, the reliability table."""

import numpy as np
import pytest

from ml.calibration import (
    MIN_CLASS_ROWS,
    at_policy,
    decision_policy,
    fit_temperature,
    reliability_table,
)
from ml.linear import calibrated_proba

CLASSES = ["a", "b"]


def _probabilities(confidence: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """Two-class probabilities whose top class is ``predicted`` at ``confidence``."""
    p = np.column_stack([1 - confidence, confidence])
    return np.where(predicted[:, None] == 1, p, p[:, ::-1])


def test_threshold_reaches_the_target_precision_when_possible():
    rng = np.random.default_rng(0)
    confidence = rng.uniform(0.5, 1.0, 400)
    # The surer the model, the more often right: precision ~ confidence.
    predicted = rng.integers(0, 2, 400)
    right = rng.uniform(0, 1, 400) < confidence
    truth = np.where(right, predicted, 1 - predicted)
    policy = decision_policy(_probabilities(confidence, predicted), truth, CLASSES, target=0.9)
    assert policy["reached"] is True
    threshold = policy["threshold"]
    decided = confidence >= threshold
    assert (predicted[decided] == truth[decided]).mean() >= 0.9
    assert policy["fitted_on"]["precision"] >= 0.9
    # The most decisions that still reach it: one step lower misses the target.
    lower = confidence >= np.max(confidence[confidence < threshold])
    assert (predicted[lower] == truth[lower]).mean() < 0.9
    # Both categories have enough decisions for their own threshold.
    assert set(policy["per_class"]) == {"a", "b"}


def test_an_unreachable_target_is_reported_and_the_model_decides_nothing():
    rng = np.random.default_rng(1)
    confidence = rng.uniform(0.5, 1.0, 300)
    predicted = rng.integers(0, 2, 300)
    truth = rng.integers(0, 2, 300)  # coin flips: about 50% right at any confidence
    probabilities = _probabilities(confidence, predicted)
    policy = decision_policy(probabilities, truth, CLASSES, target=0.95)
    assert policy["reached"] is False
    assert policy["threshold"] is None
    assert at_policy(policy, CLASSES, probabilities, truth)["coverage"] == 0.0


def test_a_category_with_few_decisions_uses_the_global_threshold():
    rng = np.random.default_rng(2)
    n = 200
    predicted = np.zeros(n, dtype=int)
    predicted[: MIN_CLASS_ROWS - 1] = 1
    confidence = rng.uniform(0.5, 1.0, n)
    policy = decision_policy(_probabilities(confidence, predicted), predicted, CLASSES, target=0.9)
    assert "a" in policy["per_class"] and "b" not in policy["per_class"]


def test_temperature_calibrates_overconfident_scores():
    rng = np.random.default_rng(3)
    n = 2000
    truth = rng.integers(0, 3, n)
    scores = rng.normal(size=(n, 3))
    scores[np.arange(n), truth] += 1.0
    overconfident = scores * 8
    temperature = fit_temperature(overconfident, truth)
    assert temperature == pytest.approx(8, rel=0.25)
    before = reliability_table(calibrated_proba(overconfident, 1.0), truth)
    after = reliability_table(calibrated_proba(overconfident, temperature), truth)

    def gap(table):
        return sum(r["n"] * abs(r["confidence"] - r["accuracy"]) for r in table if r["n"]) / n

    assert gap(after) < gap(before) / 2


def test_reliability_table_counts_every_row_in_its_band():
    probabilities = np.array([[0.95, 0.05], [0.55, 0.45], [0.52, 0.48], [0.2, 0.8]])
    table = reliability_table(probabilities, np.array([0, 1, 0, 1]))
    assert sum(row["n"] for row in table) == 4
    by_band = {tuple(row["band"]): row for row in table}
    assert by_band[(0.5, 0.6)]["n"] == 2 and by_band[(0.5, 0.6)]["accuracy"] == 0.5
    assert by_band[(0.9, 1.0)]["accuracy"] == 1.0
    assert by_band[(0.0, 0.1)]["confidence"] is None
