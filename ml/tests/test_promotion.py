"""The promotion gate's arithmetic: two models scored on the same held-out rows."""

import pytest

from ml.promotion import (
    decisions_macro_f1,
    holdout_macro_f1,
    predicted_labels,
    promotion_passes,
)
from ml.training import train_classifier


def test_the_training_result_carries_the_held_out_rows_it_was_scored_on(trained, tickets):
    texts, _labels, _ids = tickets
    assert len(trained.holdout_texts) == len(trained.holdout_labels) == trained.metrics["n_test"]
    assert set(trained.holdout_texts) <= set(texts)
    per_class = {label: row["support"] for label, row in trained.metrics["per_class"].items()}
    assert {label: trained.holdout_labels.count(label) for label in per_class} == per_class


@pytest.fixture(scope="module")
def narrow_model(tickets):
    """A model that knows only two of the ten categories: a worse model."""
    texts, labels, _ids = tickets
    keep = [i for i, label in enumerate(labels) if label in ("billing", "technical")]
    return train_classifier([texts[i] for i in keep], [labels[i] for i in keep], n_jobs=1).model


def test_a_model_that_misses_categories_scores_lower_on_the_same_rows(trained, narrow_model):
    rows = (trained.holdout_texts, trained.holdout_labels)

    full = holdout_macro_f1(trained.model, *rows)
    narrow = holdout_macro_f1(narrow_model, *rows)

    assert narrow < 0.3 < full
    predicted, confidence = predicted_labels(narrow_model, trained.holdout_texts)
    assert set(predicted) <= {"billing", "technical"}
    assert len(confidence) == len(predicted) == len(trained.holdout_texts)


def test_promotion_passes_unless_worse_beyond_the_tolerance():
    assert promotion_passes(candidate_f1=0.80, active_f1=0.80, tolerance=0.0)
    assert promotion_passes(candidate_f1=0.795, active_f1=0.80, tolerance=0.01)
    assert promotion_passes(candidate_f1=0.79, active_f1=0.80, tolerance=0.01)
    assert not promotion_passes(candidate_f1=0.789, active_f1=0.80, tolerance=0.01)
    assert not promotion_passes(candidate_f1=0.5, active_f1=0.8, tolerance=0.0)
    assert promotion_passes(candidate_f1=0.9, active_f1=0.1, tolerance=0.0)


def test_the_held_out_predictions_come_from_a_model_that_never_saw_those_rows():
    """Tickets with nothing in common but their own words, and random labels: the refitted
    model remembers every ticket, held-out ones included; the evaluation model, fitted
    without them, can only guess. The gate scores the new model by the latter."""
    import random

    from ml.training import train_classifier

    rng = random.Random(3)
    texts = [f"ticket{i}word ticket{i}other alpha{i} beta{i}" for i in range(200)]
    labels = [rng.choice(["a", "b", "c", "d"]) for _ in texts]

    result = train_classifier(texts, labels, ids=list(range(1, 201)), n_jobs=1)

    honest = decisions_macro_f1(result.holdout_labels, result.holdout_predicted)
    remembered = holdout_macro_f1(result.model, result.holdout_texts, result.holdout_labels)
    assert remembered > 0.9
    assert honest < 0.5
    assert len(result.holdout_ids) == len(result.holdout_predicted) == len(result.holdout_labels)
    assert all(
        texts[i - 1] == t for i, t in zip(result.holdout_ids, result.holdout_texts, strict=True)
    )
