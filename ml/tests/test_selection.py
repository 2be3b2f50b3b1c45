"""Choosing the configuration: deterministic, bounded, blind to the held-out rows."""

import numpy as np
import pytest

from ml import training
from ml.candidates import CANDIDATES
from ml.params import SelectionParams
from ml.selection import stratified_sample
from ml.training import train_classifier


@pytest.fixture(scope="module")
def unique_tickets(tickets):
    """The synthetic tickets, each text made unique so rows can be told apart."""
    texts, labels, ids = tickets
    return [f"{text} ticket{i}" for i, text in enumerate(texts)], labels, ids


def test_the_chosen_configuration_is_recorded_with_every_candidates_score(trained):
    selection = trained.metrics["selection"]
    assert [row["name"] for row in selection["candidates"]] == [c.name for c in CANDIDATES]
    assert selection["chosen"] in {c.name for c in CANDIDATES}
    scores = {row["name"]: row["cv_macro_f1"] for row in selection["candidates"]}
    assert scores[selection["chosen"]] == max(s for s in scores.values() if s is not None)
    for row in selection["candidates"]:
        assert len(row["fold_scores"]) == selection["folds"] == 3
        assert row["seconds"] >= 0
    assert trained.metrics["config"] == selection["chosen"]


def test_same_data_and_seed_give_the_same_choice(unique_tickets):
    texts, labels, _ = unique_tickets
    first = train_classifier(texts[:300], labels[:300], seed=5, n_jobs=1)
    second = train_classifier(texts[:300], labels[:300], seed=5, n_jobs=1)
    assert _scores(first) == _scores(second)
    assert first.metrics["selection"]["chosen"] == second.metrics["selection"]["chosen"]
    assert first.metrics["policy"] == second.metrics["policy"]


def test_selection_never_sees_the_held_out_rows(unique_tickets, monkeypatch):
    texts, labels, _ = unique_tickets
    seen = {}
    real = training.select_configuration

    def spy(word_counts, rows, y, **kwargs):
        seen["texts"] = [rows[i] for i in range(len(rows))]
        seen["rows"] = word_counts.shape[0]
        return real(word_counts, rows, y, **kwargs)

    monkeypatch.setattr(training, "select_configuration", spy)
    result = train_classifier(texts[:300], labels[:300], seed=3, n_jobs=1)
    assert len(result.holdout_texts) == 60
    assert seen["rows"] == len(seen["texts"]) == 240
    assert not set(seen["texts"]) & set(result.holdout_texts)
    assert set(seen["texts"]) | set(result.holdout_texts) == set(texts[:300])
    assert sorted(result.holdout_labels) == sorted(
        label
        for text, label in zip(texts[:300], labels[:300], strict=True)
        if text in set(result.holdout_texts)
    )


def test_the_cross_validation_sample_is_bounded(unique_tickets):
    texts, labels, _ = unique_tickets
    result = train_classifier(
        texts, labels, seed=1, n_jobs=1, selection=SelectionParams(max_rows=150, folds=2)
    )
    selection = result.metrics["selection"]
    assert selection["sample_rows"] <= 150
    assert selection["folds"] == 2
    assert result.metrics["calibration"]["oof_rows"] == selection["sample_rows"]
    # The model itself still learns from every row.
    assert result.metrics["n_train"] == 640 and result.n_samples == 800


def test_stratified_sample_keeps_every_class_and_the_bound():
    y = np.array(["big"] * 970 + ["mid"] * 25 + ["tiny"] * 5, dtype=object)
    sample = stratified_sample(y, 100, seed=0)
    assert len(sample) <= 100
    assert set(y[sample]) == {"big", "mid", "tiny"}
    assert list(sample) == sorted(set(sample.tolist()))
    np.testing.assert_array_equal(sample, stratified_sample(y, 100, seed=0))
    assert len(stratified_sample(y, 5000, seed=0)) == 1000


def test_candidates_beyond_their_size_are_not_eligible(unique_tickets, monkeypatch):
    texts, labels, _ = unique_tickets
    limited = [c for c in CANDIDATES if c.max_rows is not None]
    assert limited, "some candidate must be bounded in the rows it is refitted on"
    monkeypatch.setattr(
        "ml.selection.CANDIDATES", tuple(c for c in CANDIDATES if c.max_rows is None)
    )
    # Those eligible at any size are enough for a choice.
    result = train_classifier(texts[:200], labels[:200], n_jobs=1)
    assert result.metrics["selection"]["chosen"] in {
        c.name for c in CANDIDATES if c.max_rows is None
    }
    assert all(not c.eligible(c.max_rows + 1) for c in limited)


def _scores(result) -> list[dict]:
    """The candidates' table without its wall-clock seconds."""
    return [dict(row, seconds=None) for row in result.metrics["selection"]["candidates"]]
