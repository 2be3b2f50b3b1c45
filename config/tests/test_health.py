"""The probes of load balancers and orchestrators: /healthz (alive), /readyz (database
reachable; whether a trained model is loaded). Their answers with the database gone are in
test_database_outage.py."""

import pytest
from django.test import Client

from tickets import ml_services
from tickets.ml_registry import reset_cache
from tickets.tests.factories import UserFactory
from tickets.tests.ml_helpers import delete_artifact, history_seed

pytestmark = pytest.mark.django_db


def test_healthz_answers_without_credentials():
    response = Client().get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_without_a_model_is_ready_and_says_so():
    response = Client().get("/readyz")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "model_loaded": False,
        "model": None,
    }


def test_readyz_names_the_active_model_once_trained(catalogue):
    history_seed(requester=UserFactory())
    record = ml_services.model_train()

    body = Client().get("/readyz").json()

    assert body["model_loaded"] is True
    assert body["model"] == record.version


def test_readyz_stays_ready_when_the_model_artefact_is_gone(catalogue):
    """Keyword rules classify meanwhile: a lost artefact is no reason to leave the pool."""
    history_seed(requester=UserFactory())
    record = ml_services.model_train()
    delete_artifact(record)
    reset_cache()

    response = Client().get("/readyz")

    assert response.status_code == 200
    assert response.json()["model_loaded"] is False
