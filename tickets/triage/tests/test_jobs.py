"""Training jobs: queued by POST /api/ml/train/ when a broker is configured, run by the task's
body (the same function a Celery worker runs), reported by GET /api/ml/jobs/{id}/.

The end-to-end run with a real worker process is in test_deploy_processes.py.
"""

import threading
import time
import uuid
from datetime import timedelta

import pytest
import redis
from billiard.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import connection, connections
from django.utils import timezone

from ml.training import TrainingError
from tickets.models import ClassifierModel, TrainingJob
from tickets.triage import jobs
from tickets.triage import services as triage_services
from tickets.triage.tests.helpers import active_versions, stored_artifact

pytestmark = pytest.mark.django_db

TRAIN = "/api/ml/train/"
# This suite's own Redis database (other suites on the machine use others).
BROKER_URL = "redis://127.0.0.1:6379/5"


def job_url(job_id) -> str:
    return f"/api/ml/jobs/{job_id}/"


@pytest.fixture
def broker(settings):
    """A real Redis broker, emptied before and after."""
    settings.CELERY_BROKER_URL = BROKER_URL
    client = redis.Redis.from_url(BROKER_URL)
    client.flushdb()
    yield client
    client.flushdb()


def test_with_a_broker_training_is_queued_202_with_the_job(as_user, staff, history, broker):
    response = as_user(staff).post(TRAIN, {"seed": 3}, format="json")

    assert response.status_code == 202, response.data
    body = response.json()
    assert body["status"] == "queued"
    assert body["params"] == {"test_size": 0.2, "min_per_class": 5, "seed": 3, "activate": True}
    assert body["version"] is None and body["metrics"] is None
    assert response["Location"] == job_url(body["id"])
    job = TrainingJob.objects.get(pk=body["id"])
    assert (job.status, job.requested_by) == ("queued", staff)
    # The message a worker will take, naming this job.
    assert broker.llen("celery") == 1
    assert body["id"].encode() in broker.lindex("celery", 0)
    assert ClassifierModel.objects.count() == 0


def test_an_unreachable_broker_is_a_503_and_leaves_no_job(settings, as_user, staff, history):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1

    response = as_user(staff).post(TRAIN, {}, format="json")

    assert response.status_code == 503
    assert "queue" in response.json()["detail"]
    assert TrainingJob.objects.count() == 0


def test_invalid_parameters_are_refused_before_anything_is_queued(as_user, staff, broker):
    response = as_user(staff).post(TRAIN, {"test_size": 0.9}, format="json")

    assert response.status_code == 400
    assert "test_size" in response.json()
    assert TrainingJob.objects.count() == 0
    assert broker.llen("celery") == 0


def test_a_run_job_succeeds_with_its_model_version_and_metrics(as_user, staff, history):
    job = TrainingJob.objects.create(params={"seed": 3, "activate": True}, requested_by=staff)

    jobs.training_job_run(job_id=job.pk)

    body = as_user(staff).get(job_url(job.pk)).json()
    assert body["status"] == "succeeded"
    record = ClassifierModel.objects.get(version=body["version"])
    assert body["metrics"] == record.metrics
    assert body["n_samples"] == history
    assert body["error"] == ""
    assert body["started_at"] <= body["finished_at"]
    assert active_versions() == [record.version]
    assert record.trained_by == staff
    assert len(stored_artifact(record)) == record.size_bytes


def test_a_job_the_data_cannot_support_fails_with_the_error(as_user, staff, history):
    job = TrainingJob.objects.create(params={"min_per_class": 100_000, "activate": True})

    jobs.training_job_run(job_id=job.pk)

    body = as_user(staff).get(job_url(job.pk)).json()
    assert body["status"] == "failed"
    assert "need at least 2 categories" in body["error"]
    assert body["version"] is None
    assert body["finished_at"] is not None
    assert ClassifierModel.objects.count() == 0


def test_a_job_that_is_not_queued_is_not_run_twice(staff, history):
    job = TrainingJob.objects.create(params={}, status="running")

    assert jobs.training_job_run(job_id=job.pk) is None

    job.refresh_from_db()
    assert job.status == "running"
    assert ClassifierModel.objects.count() == 0


def test_the_scheduled_retrain_registers_without_activating_by_default(settings, trained_model):
    settings.ML_RETRAIN_ACTIVATE = False

    job = jobs.training_job_scheduled()

    assert job.status == "succeeded"
    assert job.requested_by is None
    assert active_versions() == [trained_model.version]
    assert ClassifierModel.objects.filter(pk=job.model_id, is_active=False).exists()

    settings.ML_RETRAIN_ACTIVATE = True
    job = jobs.training_job_scheduled()

    assert active_versions() == [job.model.version]


def test_an_unknown_job_is_a_json_404(as_user, staff):
    response = as_user(staff).get(job_url(uuid.uuid4()))

    assert response.status_code == 404
    assert "detail" in response.json()


def test_only_staff_may_see_jobs_or_queue_training(as_user, billing_agent, requester, broker):
    job = TrainingJob.objects.create(params={})

    assert as_user(billing_agent.user).get(job_url(job.pk)).status_code == 403
    assert as_user(requester).post(TRAIN, {}, format="json").status_code == 403
    assert TrainingJob.objects.count() == 1
    assert broker.llen("celery") == 0


JOBS = "/api/ml/jobs/"


def test_staff_list_the_jobs_newest_first_with_their_outcome(as_user, staff):
    now = timezone.now()
    record = ClassifierModel.objects.create(
        version="v-listed", n_samples=120, metrics={"macro_f1": 0.8}, sha256="0" * 64
    )
    old = TrainingJob.objects.create(
        status="succeeded", created_at=now - timedelta(days=2), model=record, requested_by=staff
    )
    failed = TrainingJob.objects.create(
        status="failed", created_at=now - timedelta(days=1), error="Too few tickets."
    )
    queued = TrainingJob.objects.create(created_at=now)

    body = as_user(staff).get(JOBS).json()

    assert body["count"] == 3
    assert [job["id"] for job in body["results"]] == [str(queued.pk), str(failed.pk), str(old.pk)]
    newest, middle, oldest = body["results"]
    assert (newest["status"], newest["version"]) == ("queued", None)
    assert (middle["status"], middle["error"]) == ("failed", "Too few tickets.")
    assert (oldest["version"], oldest["metrics"], oldest["requested_by"]["id"]) == (
        "v-listed",
        {"macro_f1": 0.8},
        staff.pk,
    )


def test_jobs_are_filtered_by_status_and_an_unknown_status_is_a_400(as_user, staff):
    running = TrainingJob.objects.create(status="running")
    queued = TrainingJob.objects.create(status="queued")
    TrainingJob.objects.create(status="failed")
    client = as_user(staff)

    body = client.get(JOBS, {"status": ["queued", "running"]}).json()
    response = client.get(JOBS, {"status": "done"})

    assert {job["id"] for job in body["results"]} == {str(running.pk), str(queued.pk)}
    assert response.status_code == 400
    assert "status" in response.json()


def test_listing_jobs_takes_the_same_queries_for_one_job_or_many(
    as_user, staff, django_assert_num_queries
):
    record = ClassifierModel.objects.create(version="v-q", n_samples=1, sha256="0" * 64)
    client = as_user(staff)
    TrainingJob.objects.create(model=record, requested_by=staff)
    with django_assert_num_queries(2) as one:  # count, page (with requester and model)
        client.get(JOBS)
    for _ in range(5):
        TrainingJob.objects.create(model=record, requested_by=staff)
    with django_assert_num_queries(len(one.captured_queries)):
        assert client.get(JOBS).json()["count"] == 6


def test_only_staff_may_list_jobs(as_user, billing_agent, requester):
    TrainingJob.objects.create(params={})

    assert as_user(billing_agent.user).get(JOBS).status_code == 403
    assert as_user(requester).get(JOBS).status_code == 403


def test_jobs_whose_worker_was_lost_are_reported_failed(settings, as_user, staff):
    settings.ML_JOB_TIMEOUT_MINUTES = 60
    now = timezone.now()
    lost = TrainingJob.objects.create(status="running", started_at=now - timedelta(minutes=61))
    busy = TrainingJob.objects.create(status="running", started_at=now - timedelta(minutes=5))

    assert jobs.training_jobs_fail_stale() == 1

    body = as_user(staff).get(job_url(lost.pk)).json()
    assert body["status"] == "failed"
    assert "worker" in body["error"]
    assert as_user(staff).get(job_url(busy.pk)).json()["status"] == "running"


def _timed_out_during_training(monkeypatch, job, *, then=None):
    """Training that outlives ML_JOB_TIMEOUT_MINUTES: while it runs, the sweeper gives its
    worker up for lost; ``then`` replaces the training's result (e.g. an error)."""
    real = triage_services.train_classifier

    def training(*args, **kwargs):
        TrainingJob.objects.filter(pk=job.pk).update(
            started_at=timezone.now() - timedelta(minutes=61)
        )
        assert jobs.training_jobs_fail_stale() == 1
        if then is not None:
            raise then
        return real(*args, **kwargs)

    monkeypatch.setattr(triage_services, "train_classifier", training)


def test_a_job_failed_by_the_sweeper_never_activates_the_model_it_finishes(
    settings, monkeypatch, trained_model
):
    settings.ML_JOB_TIMEOUT_MINUTES = 60
    job = TrainingJob.objects.create(params={"seed": 3, "activate": True})
    _timed_out_during_training(monkeypatch, job)

    jobs.training_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == "failed"
    assert "worker" in job.error
    assert job.model is None
    assert active_versions() == [trained_model.version]
    assert ClassifierModel.objects.count() == 1  # nothing recorded for the abandoned job


def test_a_job_failed_by_the_sweeper_keeps_its_error_when_training_then_fails(
    settings, monkeypatch, history
):
    settings.ML_JOB_TIMEOUT_MINUTES = 60
    job = TrainingJob.objects.create(params={"activate": True})
    _timed_out_during_training(monkeypatch, job, then=TrainingError("too few rows"))

    jobs.training_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == "failed"
    assert "worker" in job.error and "too few rows" not in job.error


def test_jobs_queued_longer_than_the_timeout_fail_as_never_started(settings, staff, history):
    settings.ML_JOB_TIMEOUT_MINUTES = 60
    now = timezone.now()
    lost = TrainingJob.objects.create(created_at=now - timedelta(minutes=61))
    waiting = TrainingJob.objects.create(created_at=now - timedelta(minutes=5))

    assert jobs.training_jobs_fail_stale() == 1

    lost.refresh_from_db()
    assert lost.status == "failed"
    assert "never started" in lost.error
    assert TrainingJob.objects.get(pk=waiting.pk).status == "queued"
    # Its message turning up late on a worker runs nothing.
    assert jobs.training_job_run(job_id=lost.pk) is None
    assert TrainingJob.objects.get(pk=lost.pk).status == "failed"
    assert ClassifierModel.objects.count() == 0


def test_a_job_stopped_by_its_time_limit_fails_saying_so(settings, monkeypatch, history):
    settings.ML_JOB_TIMEOUT_MINUTES = 60
    job = TrainingJob.objects.create(params={"activate": True})

    def training(*args, **kwargs):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(triage_services, "train_classifier", training)

    jobs.training_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == "failed"
    assert "ML_JOB_TIMEOUT_MINUTES" in job.error
    assert ClassifierModel.objects.count() == 0


def test_training_tasks_are_stopped_before_the_sweeper_calls_their_worker_lost():
    from config.celery import app

    app.loader.import_default_modules()
    hard = settings.ML_JOB_TIMEOUT_MINUTES * 60
    for name in ("tickets.train_model", "tickets.retrain_model"):
        task = app.tasks[name]
        assert task.time_limit == hard
        assert 0 < task.soft_time_limit < hard


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks")
def test_the_sweeper_waits_for_a_job_recording_its_result(settings, monkeypatch, history):
    """The sweeper and a finishing job meet on the job's row: the job, holding it while it
    records its model, wins; the sweeper then finds it succeeded and leaves it alone."""
    settings.ML_JOB_TIMEOUT_MINUTES = 60
    job = TrainingJob.objects.create(params={"activate": True})
    _timed_out_during_training_without_sweep(monkeypatch, job)
    inside, release = threading.Event(), threading.Event()
    real_activate = triage_services.model_activate

    def activate(*, record):
        inside.set()
        release.wait(timeout=30)
        return real_activate(record=record)

    monkeypatch.setattr(triage_services, "model_activate", activate)
    swept: list[int] = []

    def run(target):
        try:
            target()
        finally:
            connections.close_all()

    finishing = threading.Thread(target=run, args=(lambda: jobs.training_job_run(job_id=job.pk),))
    finishing.start()
    assert inside.wait(timeout=60)
    sweeper = threading.Thread(
        target=run, args=(lambda: swept.append(jobs.training_jobs_fail_stale()),)
    )
    sweeper.start()
    waited = _wait_for_a_lock_wait()
    release.set()
    finishing.join(timeout=60)
    sweeper.join(timeout=60)

    assert waited, "the sweeper did not wait for the job's row"
    assert swept == [0]
    job.refresh_from_db()
    assert job.status == "succeeded"
    assert active_versions() == [job.model.version]


def _timed_out_during_training_without_sweep(monkeypatch, job):
    real = triage_services.train_classifier

    def training(*args, **kwargs):
        TrainingJob.objects.filter(pk=job.pk).update(
            started_at=timezone.now() - timedelta(minutes=61)
        )
        return real(*args, **kwargs)

    monkeypatch.setattr(triage_services, "train_classifier", training)


def _wait_for_a_lock_wait(seconds: float = 10.0) -> bool:
    """Whether another session of this database is waiting for a row lock, within seconds."""
    deadline = time.monotonic() + seconds
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.05)
    return False
