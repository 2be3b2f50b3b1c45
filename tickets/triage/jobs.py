"""Background training: queue a job for a Celery worker, run it there, record how it ended.

A job row is committed before its task is sent (the worker must find it), and every
outcome is written to it, so its status survives restarts and reads the same from any host.
"""

import logging
from datetime import timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.utils import timezone
from rest_framework import status
from rest_framework.exceptions import APIException

from config.api.exceptions import DomainError
from ml.params import DEFAULT_TRAINING
from tickets.models import TrainingJob, TrainingJobStatus
from tickets.triage import services as triage_services

logger = logging.getLogger(__name__)

# Publishing to an unreachable broker gives up after about a second instead of hanging.
PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5}


class TaskQueueUnavailable(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The task queue is unavailable; try again shortly."
    default_code = "queue_unavailable"


TRAIN_TASK = "tickets.train_model"


def training_in_background() -> bool:
    """Training goes to Celery when a broker is configured; otherwise it runs in the request."""
    return bool(settings.CELERY_BROKER_URL)


def training_job_enqueue(*, params: dict, actor) -> TrainingJob:
    """Record a queued job and send it to the workers. When the broker cannot take it, the
    job is removed again and TaskQueueUnavailable (503) raised: nothing is left half-saved."""
    from config.celery import app

    job = TrainingJob.objects.create(
        params={**params, "activate": True},
        requested_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    try:
        # The broker as configured now (not when the Celery app first read its settings).
        with app.connection_for_write(settings.CELERY_BROKER_URL) as connection:
            # By name: the task module imports this one, never the other way round.
            app.send_task(
                TRAIN_TASK,
                args=[str(job.pk)],
                connection=connection,
                retry=True,
                retry_policy=PUBLISH_RETRY_POLICY,
            )
    except Exception as error:  # noqa: BLE001 - kombu/redis raise many kinds
        logger.error("training job %s not queued, broker unreachable: %s", job.pk, error)
        job.delete()
        raise TaskQueueUnavailable() from None
    logger.info("training job %s queued", job.pk)
    return job


def training_job_run(*, job_id) -> TrainingJob | None:
    """Run a queued job (the Celery task's body): running, then succeeded with its model or
    failed with the error. A job that is not queued (already taken, unknown) is skipped."""
    started = TrainingJob.objects.filter(pk=job_id, status=TrainingJobStatus.QUEUED).update(
        status=TrainingJobStatus.RUNNING, started_at=timezone.now()
    )
    if not started:
        logger.warning("training job %s is not queued; skipped", job_id)
        return None
    job = TrainingJob.objects.select_related("requested_by").get(pk=job_id)
    logger.info("training job %s running", job_id)
    params = dict(job.params)
    try:
        triage_services.model_train(
            test_size=params.get("test_size", DEFAULT_TRAINING.test_size),
            min_per_class=params.get("min_per_class", DEFAULT_TRAINING.min_per_class),
            seed=params.get("seed", DEFAULT_TRAINING.seed),
            activate=params.get("activate", True),
            actor=job.requested_by,
            job=job,
        )
    except DomainError as error:
        _fail(job, error.message)
    except triage_services.TrainingJobAbandoned as error:
        logger.warning("training job %s: model not recorded: %s", job_id, error)
    except SoftTimeLimitExceeded:
        _fail(
            job,
            f"stopped by its time limit, short of ML_JOB_TIMEOUT_MINUTES "
            f"({settings.ML_JOB_TIMEOUT_MINUTES})",
        )
    except Exception as error:
        logger.exception("training job %s crashed", job_id)
        _fail(job, f"{error.__class__.__name__}: {error}")
    job.refresh_from_db()
    logger.info("training job %s %s", job_id, job.status)
    return job


def training_job_scheduled() -> TrainingJob | None:
    """The periodic retrain (beat on ML_RETRAIN_CRON, or `manage.py retrain` from cron): a
    job like any other, run right here. Its model goes through the promotion gate
    (tickets/triage/gate.py): active when not worse than the active one, else registered as
    rejected, which staff may still activate with POST /api/ml/models/{version}/activate/."""
    job = TrainingJob.objects.create(params={**DEFAULT_TRAINING.as_dict(), "activate": True})
    return training_job_run(job_id=job.pk)


def training_jobs_fail_stale() -> int:
    """Mark failed the jobs running for longer than ML_JOB_TIMEOUT_MINUTES (their worker was
    lost: killed, host gone, or past its time limit) and those queued for longer (their
    message was lost, or no worker took it). Run periodically by beat; returns how many.

    A worker that still finishes such a job records nothing: it needs the job running, under
    the row lock it holds while recording (triage_services.model_train), and a late message finds
    the job no longer queued."""
    minutes = settings.ML_JOB_TIMEOUT_MINUTES
    if minutes <= 0:
        return 0
    now = timezone.now()
    cutoff = now - timedelta(minutes=minutes)
    stale = {
        # status: (since when, why it failed)
        TrainingJobStatus.RUNNING: (
            "started_at",
            f"no result after {minutes} minutes: the worker running it was lost",
        ),
        TrainingJobStatus.QUEUED: (
            "created_at",
            f"never started: no worker took it within {minutes} minutes",
        ),
    }
    failed = 0
    for stuck, (since, error) in stale.items():
        count = TrainingJob.objects.filter(status=stuck, **{f"{since}__lt": cutoff}).update(
            status=TrainingJobStatus.FAILED, finished_at=now, error=error
        )
        if count:
            logger.warning("%s %s training job(s) failed: %s", count, stuck, error)
        failed += count
    return failed


def _fail(job: TrainingJob, error: str) -> None:
    """Record a running job's failure; one the sweeper already failed keeps its own error."""
    failed = TrainingJob.objects.filter(pk=job.pk, status=TrainingJobStatus.RUNNING).update(
        status=TrainingJobStatus.FAILED, error=error[:2000], finished_at=timezone.now()
    )
    if failed:
        logger.warning("training job %s failed: %s", job.pk, error)
    else:
        logger.warning(
            "training job %s no longer running; its error not recorded: %s", job.pk, error
        )
