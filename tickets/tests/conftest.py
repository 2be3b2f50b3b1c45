"""Fixtures of the ML tests: a categorised history and models trained on it."""

import pytest

from tickets import ml_services
from tickets.tests.factories import UserFactory
from tickets.tests.ml_helpers import history_seed


@pytest.fixture
def history(catalogue):
    """150 categorised demo tickets opened by a user no test logs in as."""
    return history_seed(requester=UserFactory(username="archive"))


@pytest.fixture
def trained_model(history):
    """The active ClassifierModel, trained on the history (its artefact is on disk)."""
    return ml_services.model_train()


@pytest.fixture
def second_model(trained_model):
    """Another model trained on the same history, registered but not active."""
    return ml_services.model_train(seed=7, activate=False)
