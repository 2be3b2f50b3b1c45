"""Fixtures of the tickets tests (every sub-package): a history and models trained on it."""

import pytest

from tickets.tests.factories import UserFactory
from tickets.triage import services as triage_services
from tickets.triage.tests.helpers import history_seed


@pytest.fixture
def history(catalogue):
    """150 categorised demo tickets opened by a user no test logs in as."""
    return history_seed(requester=UserFactory(username="archive"))


@pytest.fixture
def trained_model(history):
    """The active ClassifierModel, trained on the history (its artefact is on disk)."""
    return triage_services.model_train()


@pytest.fixture
def second_model(trained_model):
    """Another model trained on the same history, registered but not active."""
    return triage_services.model_train(seed=7, activate=False)
