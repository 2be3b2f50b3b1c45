"""The probes of load balancers and orchestrators: /healthz (alive), /readyz (database
reachable; which model this process has loaded, which one is active). Their answers with the
database gone are in test_database_outage.py."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from agents.tests.factories import UserFactory
from tickets.models import ClassifierArtifact
from tickets.triage import services as triage_services
from tickets.triage.registry import active_model, loaded_version, reset_cache
from tickets.triage.tests.helpers import delete_artifact, history_seed

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
        "active_version": None,
    }


def test_readyz_names_the_active_model_and_the_one_this_process_loaded(catalogue):
    history_seed(requester=UserFactory())
    record = triage_services.model_train()

    body = Client().get("/readyz").json()

    # Active, not loaded yet: the probe itself never loads it.
    assert body["active_version"] == record.version
    assert (body["model_loaded"], body["model"]) == (False, None)

    active_model()  # what the next request that classifies does
    body = Client().get("/readyz").json()

    assert body["model_loaded"] is True
    assert body["model"] == record.version
    assert body["active_version"] == record.version


def test_readyz_never_reads_the_artefact(catalogue):
    """Fetching and unpickling a model (~300 MB at 1M tickets) would outlast a probe."""
    history_seed(requester=UserFactory())
    triage_services.model_train()

    with CaptureQueriesContext(connection) as queries:
        assert Client().get("/readyz").status_code == 200

    assert not [q for q in queries if ClassifierArtifact._meta.db_table in q["sql"]]
    assert loaded_version() is None


def test_readyz_stays_ready_when_the_model_artefact_is_gone(catalogue):
    """Keyword rules classify meanwhile: a lost artefact is no reason to leave the pool."""
    history_seed(requester=UserFactory())
    record = triage_services.model_train()
    delete_artifact(record)
    reset_cache()
    assert active_model() is None  # a request tried, and fell back to keywords

    response = Client().get("/readyz")

    assert response.status_code == 200
    assert response.json()["model_loaded"] is False
    assert response.json()["active_version"] == record.version
