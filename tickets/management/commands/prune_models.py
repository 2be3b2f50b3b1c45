from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tickets.triage.pruning import artifact_cache_prune, artifacts_prune


class Command(BaseCommand):
    help = (
        "Delete the stored artefacts of old trained models: the active model and the newest "
        "ML_KEEP_ARTIFACTS keep theirs; every model's registry row (version, metrics) stays. "
        "Also removes this host's cached copies of pruned models (--cache-only: just that, "
        "for the other hosts)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--keep",
            type=int,
            default=None,
            help=f"Newest models that keep their artefact (ML_KEEP_ARTIFACTS, "
            f"{settings.ML_KEEP_ARTIFACTS}).",
        )
        parser.add_argument(
            "--cache-only",
            action="store_true",
            help="Only remove this host's cached copies of models already pruned.",
        )

    def handle(self, *args, keep: int | None, cache_only: bool, **options):
        if cache_only:
            removed = artifact_cache_prune()
            self.stdout.write(f"Removed {len(removed)} cached artefact(s) from this host.")
            return
        try:
            report = artifacts_prune(keep=keep)
        except ValueError as error:
            raise CommandError(str(error)) from None
        pruned = ", ".join(report.pruned) or "none"
        self.stdout.write(f"Artefacts deleted from the database: {pruned}.")
        self.stdout.write(f"Removed {len(report.files_removed)} cached artefact(s) from this host.")
        self.stdout.write(self.style.SUCCESS("Models pruned."))
