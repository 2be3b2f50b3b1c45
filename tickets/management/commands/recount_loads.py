from django.core.management.base import BaseCommand, CommandError

from tickets.load_triggers import loads_repair


class Command(BaseCommand):
    help = (
        "Compare each agent's open-ticket counter (kept by the database's triggers) with a "
        "count of its open tickets, and correct the counters that differ."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="Only report; exit with status 1 if a counter differs (for monitoring).",
        )

    def handle(self, *args, **options):
        drift = loads_repair(fix=not options["check"])
        for pk, (counter, counted) in sorted(drift.items()):
            self.stdout.write(f"agent {pk}: counter {counter}, open tickets {counted}")
        if not drift:
            self.stdout.write(self.style.SUCCESS("Every agent's counter is exact."))
        elif options["check"]:
            raise CommandError(f"{len(drift)} agent counter(s) differ; run without --check.")
        else:
            self.stdout.write(self.style.SUCCESS(f"{len(drift)} agent counter(s) corrected."))
