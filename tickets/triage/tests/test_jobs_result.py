"""Under a broker, POST /api/ml/train/ answers 202 with a job; the finished job carries the
fields of the synchronous answer (n_samples, n_classes, classes, model_path, version,
metrics), so a client reads one shape either way."""

import pytest

from tickets.models import ClassifierModel
from tickets.triage import jobs
from tickets.triage.serializers import TrainResultSerializer
from tickets.triage.views import train_result

pytestmark = pytest.mark.django_db

TRAIN = "/api/ml/train/"
RESULT_FIELDS = set(TrainResultSerializer().fields)


@pytest.fixture
def in_memory_broker(settings):
    """A broker configured (kombu's in-memory transport): training is queued, not run."""
    settings.CELERY_BROKER_URL = "memory://"


def test_a_finished_job_carries_the_synchronous_answers_fields(
    as_user, staff, history, in_memory_broker
):
    client = as_user(staff)

    queued = client.post(TRAIN, {"seed": 5}, format="json")

    assert queued.status_code == 202, queued.content
    job = queued.json()
    assert job["status"] == "queued"
    assert set(job) >= RESULT_FIELDS
    assert all(job[name] is None for name in RESULT_FIELDS)
    assert not ClassifierModel.objects.exists()

    jobs.training_job_run(job_id=job["id"])  # what the Celery worker runs

    finished = client.get(queued["Location"]).json()
    assert finished["status"] == "succeeded"
    record = ClassifierModel.objects.get(version=finished["version"])
    assert {name: finished[name] for name in RESULT_FIELDS} == train_result(record)
    assert finished["n_samples"] == history
    assert finished["classes"] == ["account", "billing", "bug", "feature", "other"]
    assert finished["n_classes"] == 5
    assert finished["model_path"].endswith(f"{record.version}.joblib")


def test_without_a_broker_the_answer_has_the_same_fields(as_user, staff, history):
    response = as_user(staff).post(TRAIN, {"seed": 5}, format="json")

    assert response.status_code == 200
    assert set(response.json()) == RESULT_FIELDS


def test_the_jobs_list_shows_them_too(as_user, staff, history, in_memory_broker):
    client = as_user(staff)
    job = client.post(TRAIN, {}, format="json").json()
    jobs.training_job_run(job_id=job["id"])

    [listed] = client.get("/api/ml/jobs/").json()["results"]

    assert listed["id"] == job["id"]
    assert listed["n_classes"] == 5 and listed["model_path"]
