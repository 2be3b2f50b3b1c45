"""`manage.py retrain`: the scheduled retrain for cron, without a broker or a worker; one pass
through the promotion gate, recorded as a training job."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import CommandError
from django.db import connection

from tickets.models import ClassifierModel, TrainingJob
from tickets.tests.factories import UserFactory
from tickets.triage.tests.helpers import active_versions, history_seed
from tickets.triage.tests.test_commands import run

MANAGE = settings.BASE_DIR / "manage.py"


def retrain_in_another_process(artifact_dir) -> subprocess.CompletedProcess:
    """`manage.py retrain --json` as cron runs it: a fresh process on the test database, no
    CELERY_BROKER_URL (none exists), its own artefact directory."""
    db = connection.settings_dict
    user = db["USER"] or "postgres"
    if db["PASSWORD"]:
        user = f"{user}:{db['PASSWORD']}"
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("CELERY_BROKER_URL", "REDIS_URL")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_DEBUG="True",
        DATABASE_URL=(
            f"postgres://{user}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        ),
        CELERY_BROKER_URL="",
        ML_ARTIFACT_DIR=str(artifact_dir),
    )
    return subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, str(MANAGE), "retrain", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs a database two processes share"
)
def test_cron_runs_the_retrain_without_a_broker(trained_model, tmp_path):
    completed = retrain_in_another_process(tmp_path / "cron-host")

    assert completed.returncode == 0, completed.stderr
    [line] = completed.stdout.splitlines()
    result = json.loads(line)
    assert (result["active"], result["gate"]) == (True, "passed")
    assert result["gate_scores"]["active_version"] == trained_model.version
    job = TrainingJob.objects.get(pk=result["job"])
    assert (job.status, job.requested_by) == ("succeeded", None)
    assert job.model.version == result["version"]
    assert active_versions() == [result["version"]]


@pytest.mark.django_db
def test_a_rejected_retrain_keeps_the_active_model_and_says_so(
    settings, trained_model, worse_training, monkeypatch
):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens: never used
    # New tickets since the active model's training, for the gate to compare on.
    monkeypatch.setattr("tickets.triage.gate.MIN_UNSEEN_ROWS", 10)
    history_seed(requester=UserFactory(username="archive-2"))

    output = run("retrain")

    assert "kept inactive (rejected by the gate)" in output
    rejected = ClassifierModel.objects.get(is_active=False)
    assert rejected.gate == "rejected"
    assert active_versions() == [trained_model.version]
    assert TrainingJob.objects.get().status == "succeeded"


@pytest.mark.django_db
def test_a_failed_retrain_exits_with_an_error_for_cron(catalogue):
    with pytest.raises(CommandError, match="need at least"):
        run("retrain")

    assert TrainingJob.objects.get().status == "failed"
    assert ClassifierModel.objects.count() == 0
