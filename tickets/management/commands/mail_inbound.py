"""`manage.py mail_inbound`: the SMTP door, listening until SIGTERM or SIGINT.

Run it behind the organisation's mail server, which relays the help desk's addresses to it
(docs/mail.md); bind it to an address only that server reaches."""

import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand

from tickets.mail.listener import InboundController


class Command(BaseCommand):
    help = "Receive mail over SMTP and turn it into tickets and replies (docs/mail.md)."

    def add_arguments(self, parser):
        parser.add_argument("--host", help="Address to listen on (MAIL_INBOUND_HOST).")
        parser.add_argument("--port", type=int, help="Port to listen on (MAIL_INBOUND_PORT).")
        parser.add_argument(
            "--max-bytes", type=int, help="Largest message accepted (MAIL_INBOUND_MAX_BYTES)."
        )

    def handle(self, *args, host=None, port=None, max_bytes=None, **options):
        controller = InboundController(
            host=host or settings.MAIL_INBOUND_HOST,
            port=settings.MAIL_INBOUND_PORT if port is None else port,
            max_bytes=max_bytes or settings.MAIL_INBOUND_MAX_BYTES,
        )
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        controller.start()
        self.stdout.write(
            f"Listening for mail on {controller.hostname}:{controller.bound_port} "
            f"(at most {controller.SMTP_kwargs.get('data_size_limit')} bytes a message)."
        )
        try:
            stop.wait()
        finally:
            controller.stop()
            self.stdout.write("Stopped.")
