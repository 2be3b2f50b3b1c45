"""The triage chain at creation: trained model when confident, else keywords, else General.

A model whose artefact is missing, corrupt or not the one registered is never used: the
ticket is still created (keywords decide), the failure is logged, and the load is retried
only after ML_RETRY_SECONDS. The artefact lives in the database; a damaged or missing copy in
this host's cache is only a reason to fetch it from there again.
"""

import logging
import threading
import time

import pytest

from ml.artifacts import sha256_hex
from tickets import services
from tickets.models import ClassifierModel, Ticket
from tickets.tests.api import TICKETS
from tickets.triage import registry
from tickets.triage.registry import active_model
from tickets.triage.tests.helpers import (
    BILLING_TEXT,
    BILLING_TITLE,
    NEUTRAL_TEXT,
    NEUTRAL_TITLE,
    artifact_path,
    delete_artifact,
    store_artifact,
    stored_artifact,
)

pytestmark = pytest.mark.django_db

REGISTRY_LOGGER = "tickets.triage.registry"


def open_ticket(requester, title=BILLING_TITLE, description=BILLING_TEXT) -> Ticket:
    return services.ticket_create(title=title, description=description, created_by=requester)


def assert_keywords_billing(ticket: Ticket) -> None:
    """What a user sees when the keyword rules, not the model, placed a billing ticket."""
    ticket = Ticket.objects.select_related("category", "department").get(pk=ticket.pk)
    assert ticket.classified_by == "keywords"
    assert ticket.model_version == ""
    assert ticket.category.slug == "billing"
    assert ticket.department.slug == "billing"


def registry_errors(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == REGISTRY_LOGGER and r.levelno == logging.ERROR]


def test_without_a_model_keywords_classify(as_user, requester, catalogue):
    response = as_user(requester).post(
        TICKETS, {"title": "Facture impayée", "description": "Merci de vérifier."}, format="json"
    )

    assert response.status_code == 201, response.data
    body = response.json()
    assert (body["classified_by"], body["model_version"]) == ("keywords", "")
    assert body["category"]["slug"] == "billing"
    assert body["department"]["slug"] == "billing"


def test_a_confident_model_classifies_with_its_version(as_user, requester, trained_model):
    expected = active_model().predict(BILLING_TITLE, BILLING_TEXT)
    assert expected.confidence >= 0.5  # the default threshold, so the model decides

    response = as_user(requester).post(
        TICKETS, {"title": BILLING_TITLE, "description": BILLING_TEXT}, format="json"
    )

    assert response.status_code == 201, response.data
    body = response.json()
    assert body["classified_by"] == "model"
    assert body["model_version"] == trained_model.version
    assert body["category"]["slug"] == "billing"
    assert body["confidence"] == pytest.approx(expected.confidence)
    classified = Ticket.objects.get(pk=body["id"]).events.get(kind="classified")
    assert classified.payload["model_version"] == trained_model.version
    assert classified.payload["classified_by"] == "model"


def test_a_model_below_the_threshold_falls_back_to_keywords(settings, requester, trained_model):
    settings.ML_CONFIDENCE_THRESHOLD = 1.01

    ticket = open_ticket(requester, title="Facture impayée")

    assert_keywords_billing(ticket)


def test_below_the_threshold_and_no_keyword_goes_to_general(settings, requester, trained_model):
    settings.ML_CONFIDENCE_THRESHOLD = 1.01

    ticket = open_ticket(requester, title=NEUTRAL_TITLE, description=NEUTRAL_TEXT)

    ticket.refresh_from_db()
    assert ticket.classified_by == "none"
    assert ticket.category is None
    assert ticket.confidence is None
    assert ticket.department.slug == "general"


def test_a_deleted_artefact_falls_back_to_keywords_and_logs_an_error(
    as_user, requester, trained_model, caplog
):
    delete_artifact(trained_model)

    with caplog.at_level(logging.ERROR, logger=REGISTRY_LOGGER):
        response = as_user(requester).post(
            TICKETS, {"title": BILLING_TITLE, "description": BILLING_TEXT}, format="json"
        )

    assert response.status_code == 201, response.data
    assert_keywords_billing(Ticket.objects.get(pk=response.json()["id"]))
    [error] = registry_errors(caplog)
    assert trained_model.version in error.getMessage()


def test_a_corrupt_artefact_falls_back_to_keywords(requester, trained_model, caplog):
    data = bytearray(stored_artifact(trained_model))
    data[len(data) // 2 : len(data) // 2 + 64] = b"\x00" * 64
    store_artifact(trained_model, bytes(data))

    with caplog.at_level(logging.ERROR, logger=REGISTRY_LOGGER):
        ticket = open_ticket(requester)

    assert_keywords_billing(ticket)
    assert len(registry_errors(caplog)) == 1


def test_an_unreadable_artefact_with_a_matching_digest_falls_back_to_keywords(
    requester, trained_model, caplog
):
    """The digest matches, so only unpickling can notice the damage."""
    data = stored_artifact(trained_model)
    garbage = data[: len(data) // 2]
    store_artifact(trained_model, garbage)
    ClassifierModel.objects.filter(pk=trained_model.pk).update(sha256=sha256_hex(garbage))

    with caplog.at_level(logging.ERROR, logger=REGISTRY_LOGGER):
        ticket = open_ticket(requester)

    assert_keywords_billing(ticket)
    assert len(registry_errors(caplog)) == 1


def test_a_changed_digest_falls_back_to_keywords(requester, trained_model):
    ClassifierModel.objects.filter(pk=trained_model.pk).update(sha256="0" * 64)

    assert_keywords_billing(open_ticket(requester))


def test_another_models_artefact_in_place_of_this_ones_is_refused(
    requester, trained_model, second_model, caplog
):
    store_artifact(trained_model, stored_artifact(second_model))

    with caplog.at_level(logging.ERROR, logger=REGISTRY_LOGGER):
        ticket = open_ticket(requester)

    assert_keywords_billing(ticket)
    [error] = registry_errors(caplog)
    assert "SHA-256" in error.getMessage()


def test_a_failed_load_is_retried_only_after_the_retry_delay(
    settings, requester, trained_model, caplog
):
    settings.ML_RETRY_SECONDS = 3600
    saved = stored_artifact(trained_model)
    delete_artifact(trained_model)

    with caplog.at_level(logging.ERROR, logger=REGISTRY_LOGGER):
        assert_keywords_billing(open_ticket(requester))
        store_artifact(trained_model, saved)
        # Restored, but within the delay the registry does not load it again.
        assert_keywords_billing(open_ticket(requester))
    assert len(registry_errors(caplog)) == 1

    settings.ML_RETRY_SECONDS = 0
    ticket = open_ticket(requester)

    ticket.refresh_from_db()
    assert ticket.classified_by == "model"
    assert ticket.model_version == trained_model.version


def test_a_model_category_that_no_longer_exists_falls_back_to_keywords(
    requester, catalogue, trained_model
):
    """Categories are data: one renamed after training is not a label the model can set."""
    payments = catalogue["billing"]
    payments.slug = "payments"
    payments.save()

    ticket = open_ticket(requester)

    ticket.refresh_from_db()
    assert (ticket.classified_by, ticket.model_version) == ("keywords", "")
    assert ticket.category == payments


def test_a_host_without_a_cached_copy_loads_the_model_from_the_database(
    requester, trained_model, caplog
):
    """Nothing depends on one host's disk: the copy is fetched and cached again."""
    artifact_path(trained_model).unlink()

    with caplog.at_level(logging.WARNING, logger=REGISTRY_LOGGER):
        ticket = open_ticket(requester)

    ticket.refresh_from_db()
    assert (ticket.classified_by, ticket.model_version) == ("model", trained_model.version)
    assert artifact_path(trained_model).read_bytes() == stored_artifact(trained_model)
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_a_damaged_cached_copy_is_replaced_from_the_database(requester, trained_model, caplog):
    path = artifact_path(trained_model)
    data = bytearray(path.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 64] = b"\x00" * 64
    path.write_bytes(bytes(data))

    with caplog.at_level(logging.WARNING, logger=REGISTRY_LOGGER):
        ticket = open_ticket(requester)

    ticket.refresh_from_db()
    assert (ticket.classified_by, ticket.model_version) == ("model", trained_model.version)
    assert path.read_bytes() == stored_artifact(trained_model)
    [warning] = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert warning.levelno == logging.WARNING
    assert "SHA-256" in warning.getMessage()


def test_processes_of_one_host_fetch_a_new_artefact_from_the_database_once(
    monkeypatch, trained_model
):
    """Workers needing the same new artefact at once: one fetches it, the others wait for
    its cached copy (a file lock, which separate opens contend for, as processes do)."""
    artifact_path(trained_model).unlink()
    data = stored_artifact(trained_model)
    fetches: list[str] = []

    def fetch(version: str) -> bytes:
        fetches.append(version)
        time.sleep(0.3)  # the database read of a large artefact, long enough to overlap
        return data

    monkeypatch.setattr(registry, "_fetch", fetch)
    barrier = threading.Barrier(3)
    loaded: list[str] = []

    def load() -> None:
        barrier.wait(timeout=10)
        model = registry._load(
            trained_model.version,
            trained_model.artifact,
            trained_model.sha256,
            trained_model.signature,
        )
        loaded.append(model.version)

    threads = [threading.Thread(target=load) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert loaded == [trained_model.version] * 3
    assert fetches == [trained_model.version]
    assert artifact_path(trained_model).read_bytes() == data
