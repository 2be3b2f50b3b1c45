from django.core.management.base import BaseCommand, CommandError

from config.api.exceptions import DomainError
from tickets.models import ClassifierModel
from tickets.triage import services as triage_services

TRUST_WARNING = (
    "Signing vouches for an artefact's bytes: every process will then unpickle them, which runs "
    "any code they hold. Sign only artefacts you trust, i.e. trained by this deployment and not "
    "written into the database by anyone else."
)


class Command(BaseCommand):
    help = (
        "Sign stored model artefacts with ML_SIGNING_KEY (HMAC-SHA256) so that processes load "
        "them: models trained before artefacts were signed, or under a signing key since "
        "replaced. New trainings are signed by themselves. " + TRUST_WARNING
    )

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument(  # not --version: Django's own option prints its version
            "--model",
            dest="versions",
            action="append",
            metavar="VERSION",
            help="The version of a model to sign (repeatable).",
        )
        which.add_argument("--all", action="store_true", help="Every stored model.")

    def handle(self, *args, **options):
        records = ClassifierModel.objects.order_by("trained_at", "id")
        if not options["all"]:
            wanted = options["versions"]
            records = records.filter(version__in=wanted)
            unknown = sorted(set(wanted) - {r.version for r in records})
            if unknown:
                raise CommandError(f"No model of version {', '.join(unknown)}; nothing signed.")
        self.stdout.write(self.style.WARNING(TRUST_WARNING))
        refused = 0
        for record in records:
            try:
                outcome = triage_services.model_artifact_sign(record=record)
            except DomainError as error:
                refused += 1
                self.stderr.write(f"  refused {error.message}")
                continue
            active = " (active)" if record.is_active else ""
            self.stdout.write(f"  {outcome:<10} {record.version}{active}")
        if refused:
            raise CommandError(f"{refused} model(s) not signed; see above.")
        self.stdout.write(
            "Processes load a newly signed active model within ML_RETRY_SECONDS of their last try."
        )
