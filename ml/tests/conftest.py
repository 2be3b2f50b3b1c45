"""Fixtures for the ml package: synthetic tickets and a trained model, no Django."""

import copy

import pytest

from ml.synthetic import synth_tickets
from ml.text import join_ticket_text
from ml.training import train_classifier

N_TICKETS = 800


@pytest.fixture(scope="session")
def tickets():
    """(texts, labels, ids) of deterministic synthetic tickets over ten categories."""
    titles, descriptions, labels = synth_tickets(N_TICKETS, seed=1)
    texts = [join_ticket_text(t, d) for t, d in zip(titles, descriptions, strict=True)]
    return texts, labels, list(range(1000, 1000 + N_TICKETS))


@pytest.fixture(scope="session")
def trained(tickets):
    """A TrainingResult with a similarity index. Tests must not mutate it."""
    texts, labels, ids = tickets
    return train_classifier(texts, labels, ids=ids, n_jobs=1)


@pytest.fixture
def model(trained):
    """A private copy of the trained model, for tests that save (and so stamp) it."""
    return copy.deepcopy(trained.model)
