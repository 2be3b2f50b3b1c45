"""Scale-out, with real processes: two gunicorn servers sharing one PostgreSQL database and
one Redis, each with its own artefact directory (another host's disk), and a real Celery
worker running the training jobs queued through the API."""

import os
import signal
import time

import pytest
import redis
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

from tickets.models import ClassifierModel, TrainingJob
from tickets.tests.factories import StaffFactory
from tickets.tests.processes import REDIS_URL, Server, Worker, production_env
from tickets.triage import services as triage_services
from tickets.triage.tests.helpers import BILLING_TEXT, BILLING_TITLE

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the SQLite test database lives in this process's memory; other processes "
        "cannot share it",
    ),
]

PASSWORD = "deploy-test-pass-2718"  # noqa: S105


@pytest.fixture
def shared_redis():
    """This suite's Redis database, empty: the cache and the broker every process shares."""
    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    yield client
    client.flushdb()


@pytest.fixture
def operator(db):
    # A hash production settings accept (the test settings' fast hasher is not among them).
    user = StaffFactory(username="operator")
    hasher = PBKDF2PasswordHasher()
    user.password = hasher.encode(PASSWORD, hasher.salt())
    user.save(update_fields=["password"])
    return user


@pytest.fixture
def processes(tmp_path):
    started = []

    def start(kind, name, **env):
        process = kind(name, production_env(artifact_dir=tmp_path / name, **env), tmp_path)
        started.append(process)
        return process

    yield start
    for process in reversed(started):
        process.stop()


def open_ticket(server: Server) -> dict:
    status, body = server.request(
        "POST", "/api/tickets/", {"title": BILLING_TITLE, "description": BILLING_TEXT}
    )
    assert status == 201, body
    return body


def test_a_model_trained_through_one_server_is_used_by_the_other_without_restart(
    history, operator, shared_redis, processes, tmp_path
):
    # A long version-check interval: only the activation's cache update can explain a switch.
    one = processes(Server, "web-one", ML_VERSION_CHECK_SECONDS="300")
    two = processes(Server, "web-two", ML_VERSION_CHECK_SECONDS="300")
    one.wait_ready()
    assert two.wait_ready()["model_loaded"] is False
    one.login("operator", PASSWORD)
    two.login("operator", PASSWORD)

    before = open_ticket(two)  # also caches "no model is active" in the shared cache
    assert (before["classified_by"], before["model_version"]) == ("keywords", "")

    status, trained = one.request("POST", "/api/ml/train/", {"seed": 42})
    assert status == 200, trained
    first = trained["version"]

    ticket = open_ticket(two)
    assert (ticket["classified_by"], ticket["model_version"]) == ("model", first)
    assert ticket["category"]["slug"] == "billing"
    # Server two read the artefact from the database into its own directory.
    record = ClassifierModel.objects.get(version=first)
    assert (tmp_path / "web-two" / record.artifact).is_file()

    status, trained = one.request("POST", "/api/ml/train/", {"seed": 7})
    assert status == 200, trained
    second = trained["version"]
    assert open_ticket(two)["model_version"] == second

    # Rolling back through server two is seen by server one at once.
    status, body = two.request("POST", f"/api/ml/models/{first}/activate/")
    assert status == 200, body
    assert open_ticket(one)["model_version"] == first
    assert one.request("GET", "/readyz")[1]["model"] == first
    # The probe reports what server two holds without loading: the second model, until a
    # request of its own needs the active one.
    ready = two.request("GET", "/readyz")[1]
    assert (ready["model"], ready["active_version"]) == (second, first)
    assert open_ticket(two)["model_version"] == first
    assert two.request("GET", "/readyz")[1]["model"] == first


def wait_for_job(server: Server, job_id: str, timeout: float = 180) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, body = server.request("GET", f"/api/ml/jobs/{job_id}/")
        assert status == 200, body
        if body["status"] in ("succeeded", "failed"):
            return body
        time.sleep(0.5)
    raise AssertionError(f"job {job_id} still {body['status']} after {timeout}s")


def test_a_celery_worker_runs_the_training_jobs_queued_through_the_api(
    history, operator, shared_redis, processes
):
    web = processes(Server, "web", broker_url=REDIS_URL)
    worker = processes(Worker, "worker", broker_url=REDIS_URL)
    web.wait_ready()
    web.login("operator", PASSWORD)

    status, queued = web.request("POST", "/api/ml/train/", {"seed": 11})
    assert status == 202, queued
    assert queued["status"] == "queued"

    done = wait_for_job(web, queued["id"])

    assert done["status"] == "succeeded", (done, worker.log())
    assert done["version"] and done["metrics"]["macro_f1"] > 0.5
    assert done["n_samples"] == history
    assert done["requested_by"]["username"] == "operator"
    assert ClassifierModel.objects.get(is_active=True).version == done["version"]
    ticket = open_ticket(web)
    assert (ticket["classified_by"], ticket["model_version"]) == ("model", done["version"])

    status, queued = web.request("POST", "/api/ml/train/", {"min_per_class": 100_000})
    assert status == 202, queued

    failed = wait_for_job(web, queued["id"])

    assert failed["status"] == "failed"
    assert "need at least 2 categories" in failed["error"]
    assert failed["version"] is None
    assert ClassifierModel.objects.count() == 1
    assert list(TrainingJob.objects.values_list("status", flat=True).order_by("created_at")) == [
        "succeeded",
        "failed",
    ]


def wait_for_model(server: Server, version: str, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, body = server.request("GET", "/readyz")
        if status == 200 and body["model"] == version:
            return body
        time.sleep(0.3)
    raise AssertionError(f"{server.name} still holds {body['model']}:\n{server.log()}")


def test_the_gunicorn_master_holds_the_model_and_a_hup_reloads_it(history, shared_redis, processes):
    first = triage_services.model_train()
    # No cached version: every check asks the database, as another host's activation needs.
    web = processes(Server, "web", ML_VERSION_CHECK_SECONDS="0")

    # The worker holds the model before any request needed it: loaded in the master
    # (when_ready) before the fork, since /readyz never loads one.
    assert web.wait_ready()["model"] == first.version

    second = triage_services.model_train(seed=7)
    ready = web.request("GET", "/readyz")[1]
    assert (ready["model"], ready["active_version"]) == (first.version, second.version)

    os.kill(web.popen.pid, signal.SIGHUP)

    # The new worker forks from a master that loaded the second model (on_reload); still no
    # request has classified anything.
    assert wait_for_model(web, second.version)["active_version"] == second.version
