"""A model activated anywhere is the one every process uses on its next call, no restart."""

import json
import os
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.db import connection

from config.cache import redis_cache
from tickets import services
from tickets.models import ClassifierModel
from tickets.triage import services as triage_services
from tickets.triage.registry import active_model, active_version_publish
from tickets.triage.tests.helpers import BILLING_TEXT, BILLING_TITLE

MANAGE = settings.BASE_DIR / "manage.py"


def open_ticket(requester):
    return services.ticket_create(
        title=BILLING_TITLE, description=BILLING_TEXT, created_by=requester
    )


@pytest.mark.django_db
def test_a_version_activated_elsewhere_is_used_on_the_next_call(
    requester, trained_model, second_model
):
    assert open_ticket(requester).model_version == trained_model.version

    # What another process's activation leaves behind, without touching this one's memory:
    # the database rows, and the answer it publishes to the shared cache once committed.
    ClassifierModel.objects.filter(pk=trained_model.pk).update(is_active=False)
    ClassifierModel.objects.filter(pk=second_model.pk).update(is_active=True)
    active_version_publish()

    ticket = open_ticket(requester)
    assert (ticket.classified_by, ticket.model_version) == ("model", second_model.version)

    ClassifierModel.objects.update(is_active=False)
    active_version_publish()

    ticket = open_ticket(requester)
    assert (ticket.classified_by, ticket.model_version) == ("keywords", "")


@pytest.mark.django_db
def test_the_version_check_is_answered_by_the_cache(trained_model, django_assert_num_queries):
    assert active_model().version == trained_model.version

    with django_assert_num_queries(0):
        assert active_model().version == trained_model.version


@pytest.mark.django_db
def test_a_change_behind_the_caches_back_is_noticed_after_the_check_interval(
    settings, requester, trained_model, second_model
):
    settings.ML_VERSION_CHECK_SECONDS = 1
    assert open_ticket(requester).model_version == trained_model.version

    # Rows changed without the service (a manual SQL fix): nothing clears the cache.
    ClassifierModel.objects.filter(pk=trained_model.pk).update(is_active=False)
    ClassifierModel.objects.filter(pk=second_model.pk).update(is_active=True)

    assert open_ticket(requester).model_version == trained_model.version
    time.sleep(1.2)
    assert open_ticket(requester).model_version == second_model.version


def classify_in_another_process(text: str, artifact_dir) -> dict:
    """`manage.py classify TEXT --json` in a fresh process, on the test database, with an
    artefact cache directory of its own (another host's disk)."""
    db = connection.settings_dict
    user = db["USER"] or "postgres"
    if db["PASSWORD"]:
        user = f"{user}:{db['PASSWORD']}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "True",
        "DATABASE_URL": (
            f"postgres://{user}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "ML_ARTIFACT_DIR": str(artifact_dir),
        # The other process must let the model decide whatever its confidence.
        "ML_CONFIDENCE_THRESHOLD": "0",
    }
    completed = subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, str(MANAGE), "classify", text, "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    [line] = completed.stdout.splitlines()
    return json.loads(line)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs a database two processes share"
)
def test_another_process_uses_the_model_activated_here(history, tmp_path):
    other_host = tmp_path / "other-host-artifacts"
    first = triage_services.model_train()

    row = classify_in_another_process(
        "Invoice INV-2041 overdue, please refund the payment", other_host
    )

    assert (row["classified_by"], row["model_version"]) == ("model", first.version)
    assert row["category"] == "billing"

    second = triage_services.model_train(seed=7, activate=False)
    triage_services.model_activate(record=second)

    row = classify_in_another_process(
        "Invoice INV-2041 overdue, please refund the payment", other_host
    )

    assert (row["classified_by"], row["model_version"]) == ("model", second.version)
    # Fetched from the database into the other host's own cache, not read from ours.
    assert sorted(p.name for p in other_host.iterdir()) == sorted([first.artifact, second.artifact])


@pytest.mark.django_db
def test_an_unreachable_cache_falls_back_to_asking_the_database(
    settings, requester, trained_model, second_model, caplog
):
    # The production cache settings, at a port nothing listens on.
    settings.CACHES = {"default": redis_cache("redis://127.0.0.1:1/0", timeout_seconds=0.2)}

    ticket = open_ticket(requester)
    assert (ticket.classified_by, ticket.model_version) == ("model", trained_model.version)

    triage_services.model_activate(record=second_model)

    assert open_ticket(requester).model_version == second_model.version
    assert any(r.name == "config.cache" and r.exc_info for r in caplog.records)
