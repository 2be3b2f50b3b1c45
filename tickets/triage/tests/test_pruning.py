"""Model artefacts do not pile up: the active model and the newest ML_KEEP_ARTIFACTS keep
their bytes, older ones lose them in the database and in each host's cache directory, every
registry row stays; a pruned model cannot be activated."""

import threading
import time
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection, connections, transaction
from django.utils import timezone

from config.api.exceptions import ConflictError
from ml.artifacts import artifact_filename
from tickets.models import ClassifierArtifact, ClassifierModel
from tickets.triage import registry
from tickets.triage import services as triage_services
from tickets.triage.pruning import artifacts_prune
from tickets.triage.tests.helpers import active_versions, artifact_path

pytestmark = pytest.mark.django_db

MODELS = "/api/ml/models/"


def registered(n: int, *, active: int | None = None) -> list[ClassifierModel]:
    """n registered models, oldest first, each with stored bytes and a cached copy on this
    host (stand-ins: nothing here unpickles them)."""
    now = timezone.now()
    records = []
    for i in range(n):
        version = f"20240101-00000{i}-abc{i:03d}"
        record = ClassifierModel.objects.create(
            version=version,
            trained_at=now - timedelta(days=n - i),
            n_samples=100 + i,
            classes=["billing", "bug"],
            metrics={"macro_f1": 0.5 + i / 100},
            artifact=artifact_filename(version),
            sha256="0" * 64,
            size_bytes=3,
            is_active=(i == active),
        )
        ClassifierArtifact.objects.create(model=record, data=b"abc")
        path = Path(settings.ML_ARTIFACT_DIR) / record.artifact
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"abc")
        records.append(record)
    return records


def versions(records) -> list[str]:
    return [r.version for r in records]


def stored_versions() -> set[str]:
    return set(ClassifierArtifact.objects.values_list("model__version", flat=True))


def cached_versions(records) -> set[str]:
    return {r.version for r in records if artifact_path(r).exists()}


def test_the_active_model_and_the_newest_n_keep_their_bytes_every_row_stays():
    records = registered(7, active=0)
    other_file = Path(settings.ML_ARTIFACT_DIR) / "notes.txt"
    other_file.write_text("not an artefact")

    report = artifacts_prune(keep=3)

    kept = [records[0], *records[4:]]
    assert report.pruned == versions(records[1:4])
    assert stored_versions() == set(versions(kept))
    assert cached_versions(records) == set(versions(kept))
    assert sorted(report.files_removed) == sorted(r.artifact for r in records[1:4])
    assert other_file.exists()
    # History stays: every row, with its metrics.
    assert ClassifierModel.objects.count() == 7
    assert ClassifierModel.objects.get(version=records[1].version).metrics["macro_f1"] == 0.51
    assert active_versions() == [records[0].version]


def test_pruning_again_changes_nothing():
    registered(4)
    artifacts_prune(keep=2)

    assert artifacts_prune(keep=2).pruned == []


def test_the_command_prunes_to_the_setting_and_says_what_it_did(settings):
    settings.ML_KEEP_ARTIFACTS = 2
    records = registered(4, active=3)
    out = StringIO()

    call_command("prune_models", stdout=out)

    assert stored_versions() == set(versions(records[2:]))
    assert records[0].version in out.getvalue() and records[1].version in out.getvalue()
    assert "Removed 2 cached artefact(s)" in out.getvalue()


def test_the_command_refuses_to_keep_nothing():
    with pytest.raises(CommandError, match="at least the newest|>= 1"):
        call_command("prune_models", "--keep", "0", stdout=StringIO())


def test_another_host_prunes_its_own_cache_with_cache_only():
    records = registered(3)
    ClassifierArtifact.objects.filter(model=records[0]).delete()  # pruned by another host

    call_command("prune_models", "--cache-only", stdout=StringIO())

    assert cached_versions(records) == set(versions(records[1:]))
    assert stored_versions() == set(versions(records[1:]))


def test_a_pruned_model_cannot_be_activated_409(as_user, staff):
    records = registered(3, active=2)
    artifacts_prune(keep=1)

    response = as_user(staff).post(f"{MODELS}{records[0].version}/activate/")

    assert response.status_code == 409
    body = response.json()
    assert "pruned" in body["model"][0]
    assert active_versions() == [records[2].version]


def test_the_model_list_shows_which_models_have_no_artifact(as_user, staff):
    records = registered(3, active=2)
    artifacts_prune(keep=1)

    rows = as_user(staff).get(MODELS).json()["results"]

    assert {r["version"]: r["has_artifact"] for r in rows} == {
        records[0].version: False,
        records[1].version: False,
        records[2].version: True,
    }
    model = as_user(staff).get("/api/ml/model/").json()
    assert model["has_artifact"] is True


def test_training_prunes_older_artifacts(settings, history):
    settings.ML_KEEP_ARTIFACTS = 1
    older = registered(2, active=1)

    record = triage_services.model_train()

    assert active_versions() == [record.version]
    assert stored_versions() == {record.version}
    assert cached_versions(older) == set()
    assert artifact_path(record).exists()
    assert ClassifierModel.objects.count() == 3


def test_a_host_loading_a_new_model_drops_its_copies_of_pruned_ones(trained_model):
    stale = registered(1)[0]
    ClassifierArtifact.objects.filter(model=stale).delete()  # pruned elsewhere
    artifact_path(trained_model).unlink()  # this host has not loaded the active model yet
    registry.reset_cache()

    assert registry.active_model() is not None

    assert not artifact_path(stale).exists()
    assert artifact_path(trained_model).exists()


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks")
@pytest.mark.django_db(transaction=True)
def test_an_activation_racing_a_prune_waits_and_is_refused():
    """The activation takes the model's row lock before it looks for the bytes: while a prune
    holds that lock it waits, then finds the bytes gone (409), never activating a model whose
    bytes are deleted under it."""
    records = registered(3, active=2)
    doomed = records[0]
    pruned_inside = threading.Event()
    outcome: dict = {}

    def prune():
        try:
            with transaction.atomic():
                artifacts_prune(keep=1)
                pruned_inside.set()
                time.sleep(1.0)  # the activation arrives while this transaction is open
        finally:
            connections.close_all()

    def activate():
        try:
            pruned_inside.wait(timeout=30)
            triage_services.model_activate(record=ClassifierModel.objects.get(pk=doomed.pk))
            outcome["result"] = "activated"
        except ConflictError as error:
            outcome["result"] = error.message
        finally:
            connections.close_all()

    threads = [threading.Thread(target=prune), threading.Thread(target=activate)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert "pruned" in outcome["result"]
    assert active_versions() == [records[2].version]
    assert not ClassifierArtifact.objects.filter(model=doomed).exists()
