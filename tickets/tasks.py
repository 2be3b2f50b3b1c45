"""Celery tasks of the tickets app; their bodies are services, so they run the same inline."""

from celery import shared_task

from tickets import ml_jobs


@shared_task(name="tickets.train_model", ignore_result=True)
def train_model(job_id: str) -> None:
    """Run a training job queued by POST /api/ml/train/."""
    ml_jobs.training_job_run(job_id=job_id)


@shared_task(name="tickets.retrain_model", ignore_result=True)
def retrain_model() -> None:
    """The scheduled retrain (ML_RETRAIN_CRON), recorded as a training job."""
    ml_jobs.training_job_scheduled()
