import json

from django.core.management.base import BaseCommand, CommandError

from tickets.models import TrainingJobStatus
from tickets.triage.jobs import training_job_scheduled


class Command(BaseCommand):
    help = (
        "Retrain the ticket classifier once, as the weekly schedule does, without a broker (for "
        "cron): a training job recorded in the database, its model activated only when the "
        "promotion gate lets it (ML_PROMOTION_TOLERANCE). Exits 1 when the training fails."
    )

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="Print one JSON object.")

    def handle(self, *args, **options):
        job = training_job_scheduled()
        if job is None or job.status != TrainingJobStatus.SUCCEEDED:
            error = job.error if job is not None else "the job did not run"
            raise CommandError(f"Retraining failed: {error}")
        record = job.model
        result = {
            "job": str(job.pk),
            "version": record.version,
            "active": record.is_active,
            "gate": record.gate,
            "gate_scores": record.gate_scores,
            "macro_f1": record.metrics.get("macro_f1"),
            "n_samples": record.n_samples,
        }
        if options["json"]:
            self.stdout.write(json.dumps(result))
            return
        verdict = "activated" if record.is_active else "kept inactive (rejected by the gate)"
        self.stdout.write(self.style.SUCCESS(f"Model {record.version} trained: {verdict}"))
        self.stdout.write(f"  gate: {record.gate}   scores: {json.dumps(record.gate_scores)}")
