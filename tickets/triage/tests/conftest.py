"""Fixtures of the triage tests."""

import pytest

from ml import training as ml_training
from ml.promotion import decisions_macro_f1, predicted_labels
from tickets.triage import services as triage_services


@pytest.fixture
def worse_training(monkeypatch):
    """Training that produces a genuinely worse model: it learns only two of the five
    categories. The held-out rows stay those of the real split; what was predicted on them,
    and the held-out score, are the narrow model's (as an evaluation of it would give)."""
    real = ml_training.train_classifier

    def train_worse(texts, labels, **options):
        result = real(texts, labels, **options)
        keep = [i for i, label in enumerate(labels) if label in ("billing", "bug")]
        narrow = real([texts[i] for i in keep], [labels[i] for i in keep], n_jobs=1)
        result.model = narrow.model
        result.holdout_predicted, _ = predicted_labels(narrow.model, result.holdout_texts)
        result.metrics["macro_f1"] = decisions_macro_f1(
            result.holdout_labels, result.holdout_predicted
        )
        return result

    monkeypatch.setattr(triage_services, "train_classifier", train_worse)
