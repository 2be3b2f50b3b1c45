"""Celery tasks of triage. Each body imports its service when it runs, and services enqueue
tasks by name, so neither module imports the other at load time; the bodies are services,
so they run the same inline."""

from celery import shared_task


@shared_task(name="tickets.train_model", ignore_result=True)
def train_model(job_id: str) -> None:
    """Run a training job queued by POST /api/ml/train/."""
    from tickets.triage.jobs import training_job_run

    training_job_run(job_id=job_id)


@shared_task(name="tickets.retrain_model", ignore_result=True)
def retrain_model() -> None:
    """The scheduled retrain (ML_RETRAIN_CRON), recorded as a training job."""
    from tickets.triage.jobs import training_job_scheduled

    training_job_scheduled()


@shared_task(name="tickets.fail_stale_training_jobs", ignore_result=True)
def fail_stale_training_jobs() -> None:
    """Jobs whose worker was lost are reported failed (ML_JOB_TIMEOUT_MINUTES)."""
    from tickets.triage.jobs import training_jobs_fail_stale

    training_jobs_fail_stale()
