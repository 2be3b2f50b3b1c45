import numpy as np
import pytest

from ml.metrics import THRESHOLDS
from ml.synthetic import CATEGORIES
from ml.training import MIN_ROWS, TrainingError, train_classifier


def test_held_out_metrics_describe_the_test_split(trained, tickets):
    texts, _, _ = tickets
    metrics = trained.metrics
    assert metrics["n_train"] + metrics["n_test"] == len(texts)
    assert metrics["n_test"] == 160  # 20% of 800
    # Synthetic categories are learnable (0.75 measured); chance is about 13%.
    assert metrics["accuracy"] > 0.6
    assert 0.55 < metrics["macro_f1"] <= 1.0
    assert 0.55 < metrics["weighted_f1"] <= 1.0
    assert set(metrics["per_class"]) == set(CATEGORIES)
    assert sum(c["support"] for c in metrics["per_class"].values()) == metrics["n_test"]
    for figures in metrics["per_class"].values():
        assert set(figures) == {"precision", "recall", "f1", "support"}


def test_confusion_matrix_counts_every_held_out_ticket(trained):
    confusion = trained.metrics["confusion"]
    matrix = np.array(confusion["matrix"])
    assert confusion["labels"] == trained.classes
    assert matrix.shape == (len(trained.classes), len(trained.classes))
    assert matrix.sum() == trained.metrics["n_test"]
    assert np.trace(matrix) / matrix.sum() == pytest.approx(trained.metrics["accuracy"])


def test_threshold_curve_trades_coverage_for_accuracy(trained):
    curve = trained.metrics["threshold_curve"]
    assert [point["threshold"] for point in curve] == list(THRESHOLDS)
    assert curve[0]["coverage"] == 1.0
    assert curve[0]["accuracy"] == pytest.approx(trained.metrics["accuracy"])
    coverages = [point["coverage"] for point in curve]
    assert coverages == sorted(coverages, reverse=True)
    assert all(p["n"] == round(p["coverage"] * trained.metrics["n_test"]) for p in curve)


def test_result_describes_the_refit_model(trained, tickets):
    _, labels, _ = tickets
    assert trained.n_samples == len(labels)
    assert trained.classes == sorted(CATEGORIES)
    assert trained.model.classes == trained.classes
    assert trained.dropped_classes == []
    assert trained.training_seconds > 0
    assert set(trained.phase_seconds) == {"hashing", "selection", "evaluation", "refit", "index"}
    assert trained.metadata()["n_samples"] == len(labels)


def test_same_seed_same_model(tickets):
    texts, labels, _ = tickets
    first = train_classifier(texts[:400], labels[:400], seed=7, n_jobs=1)
    second = train_classifier(texts[:400], labels[:400], seed=7, n_jobs=1)
    assert _without_timings(first.metrics) == _without_timings(second.metrics)
    vectors = first.model.vectorize(texts[400:450])
    np.testing.assert_array_equal(
        first.model.predict_proba(vectors), second.model.predict_proba(vectors)
    )


def test_small_classes_are_dropped_and_reported(tickets):
    texts, labels, _ = tickets
    texts = [*texts[:300], "Lost keys", "Lost keys again", "VPN?"]
    labels = [*labels[:300], "lost-property", "lost-property", "vpn"]
    result = train_classifier(texts, labels, min_per_class=3, n_jobs=1)
    assert result.dropped_classes == ["lost-property", "vpn"]
    assert "vpn" not in result.classes and "lost-property" not in result.classes
    assert result.n_samples == 300
    assert result.metrics["n_train"] + result.metrics["n_test"] == 300


def test_single_member_classes_are_dropped_even_with_min_per_class_1(tickets):
    texts, labels, _ = tickets
    result = train_classifier([*texts[:200], "odd"], [*labels[:200], "odd"], min_per_class=1)
    assert result.dropped_classes == ["odd"]


def test_refuses_a_single_category():
    texts = [f"printer jam number {i}" for i in range(30)]
    with pytest.raises(TrainingError, match="at least 2 categories"):
        train_classifier(texts, ["printer"] * 30)


def test_refuses_when_dropping_leaves_one_category():
    texts = [f"printer jam number {i}" for i in range(30)] + ["invoice"]
    with pytest.raises(TrainingError, match="at least 2 categories"):
        train_classifier(texts, ["printer"] * 30 + ["billing"])


def test_refuses_fewer_than_min_rows():
    texts = ["printer jam", "invoice wrong"] * 4 + ["printer"]
    labels = ["printer", "billing"] * 4 + ["printer"]
    assert len(texts) < MIN_ROWS
    with pytest.raises(TrainingError, match=f"at least {MIN_ROWS}"):
        train_classifier(texts, labels)


def test_refuses_a_split_that_cannot_hold_every_category():
    # 12 rows in 6 categories: a 20% test split has 3 rows for 6 categories.
    labels = [f"c{i}" for i in range(6)] * 2
    texts = [f"ticket about {label}" for label in labels]
    with pytest.raises(TrainingError, match="too few to hold out"):
        train_classifier(texts, labels)


def test_refuses_mismatched_lengths(tickets):
    texts, labels, ids = tickets
    with pytest.raises(TrainingError, match="same length"):
        train_classifier(texts, labels[:-1])
    with pytest.raises(TrainingError, match="same length"):
        train_classifier(texts, labels, ids=ids[:-1])


def test_refuses_duplicate_ids(tickets):
    texts, labels, ids = tickets
    with pytest.raises(TrainingError, match="unique"):
        train_classifier(texts, labels, ids=[ids[0], *ids[:-1]])


def _without_timings(metrics: dict) -> dict:
    """The metrics but the wall-clock seconds they record (selection, phases)."""
    metrics = {k: v for k, v in metrics.items() if k != "phase_seconds"}
    selection = dict(metrics["selection"], seconds=None)
    selection["candidates"] = [dict(row, seconds=None) for row in selection["candidates"]]
    return {**metrics, "selection": selection}
