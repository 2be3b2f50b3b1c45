"""`manage.py sla_check`: one pass of the SLA sweep, for cron where there is no Celery beat."""

from django.core.management.base import BaseCommand

from tickets.services.escalation import sla_check


class Command(BaseCommand):
    help = "Record SLA warnings and breaches now due, and apply the policies' escalations."

    def handle(self, *args, **options):
        report = sla_check()
        self.stdout.write(
            f"{report.warnings} warnings, {report.breaches} breaches, "
            f"{len(report.escalations)} escalations"
        )
