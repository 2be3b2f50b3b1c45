import pytest

from ml.metrics import classification_metrics, threshold_curve


def test_threshold_curve_on_known_values():
    y_true = ["a", "a", "b", "b"]
    y_pred = ["a", "b", "b", "a"]
    confidence = [0.9, 0.4, 0.6, 0.2]
    curve = {p["threshold"]: p for p in threshold_curve(y_true, y_pred, confidence)}
    assert curve[0.0] == {"threshold": 0.0, "coverage": 1.0, "accuracy": 0.5, "n": 4}
    assert curve[0.3] == {
        "threshold": 0.3,
        "coverage": 0.75,
        "accuracy": pytest.approx(2 / 3),
        "n": 3,
    }
    assert curve[0.5] == {"threshold": 0.5, "coverage": 0.5, "accuracy": 1.0, "n": 2}
    assert curve[0.9] == {"threshold": 0.9, "coverage": 0.25, "accuracy": 1.0, "n": 1}


def test_threshold_nobody_reaches_has_no_accuracy():
    (point,) = threshold_curve(["a"], ["a"], [0.5], thresholds=[0.8])
    assert point == {"threshold": 0.8, "coverage": 0.0, "accuracy": None, "n": 0}


def test_classification_metrics_on_known_values():
    metrics = classification_metrics(
        ["a", "a", "b", "c"], ["a", "b", "b", "b"], [0.9, 0.8, 0.7, 0.6], labels=["a", "b", "c"]
    )
    assert metrics["accuracy"] == 0.5
    assert metrics["per_class"]["a"] == {
        "precision": 1.0,
        "recall": 0.5,
        "f1": pytest.approx(2 / 3),
        "support": 2,
    }
    assert metrics["per_class"]["c"]["f1"] == 0.0
    assert metrics["macro_f1"] == pytest.approx((2 / 3 + 0.5 + 0.0) / 3)
    assert metrics["confusion"] == {
        "labels": ["a", "b", "c"],
        "matrix": [[1, 1, 0], [0, 1, 0], [0, 1, 0]],
    }
    assert metrics["n_test"] == 4
