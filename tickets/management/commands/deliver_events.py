"""`manage.py deliver_events`: the outbox dispatcher without Celery (tickets/outbox/)."""

import signal
import time

from django.conf import settings
from django.core.management.base import BaseCommand

from tickets.outbox.dispatch import dispatch_once, dispatch_until_idle


class Command(BaseCommand):
    help = (
        "Deliver pending events to webhooks and by email: a loop, or --once (for cron) to "
        "deliver what is due and exit. Several may run at once on PostgreSQL; one on SQLite."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--once", action="store_true", help="Deliver what is due now, then exit."
        )

    def handle(self, *args, once: bool = False, **options):
        if once:
            handled = dispatch_until_idle()
            self.stdout.write(f"{handled} rows handled")
            return
        stopping = []
        signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
        while not stopping:
            try:
                handled = dispatch_once()
            except KeyboardInterrupt:
                return
            if not handled:
                time.sleep(settings.OUTBOX_POLL_SECONDS)
