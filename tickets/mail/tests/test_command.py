"""`manage.py mail_inbound` as it runs in production: its own process, on a port the OS picks,
stopped by SIGTERM; and its secret, checked like every other."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from config.secrets import SECRETS, secrets_problems
from tickets.mail.tests.conftest import eml, smtp_send
from tickets.models import InboundMail, InboundOutcome, Ticket
from tickets.tests.processes import database_url

ROOT = Path(__file__).resolve().parents[3]


class Listening:
    def __init__(self, port: int):
        self.bound_port = port


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs a database two processes share"
)
def test_the_command_listens_receives_and_stops_on_sigterm(catalogue):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.test_settings",
        "DATABASE_URL": database_url(),
        "PYTHONUNBUFFERED": "1",
    }
    process = subprocess.Popen(  # noqa: S603 - our interpreter, our code
        [sys.executable, "manage.py", "mail_inbound", "--host", "127.0.0.1", "--port", "0"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        banner = process.stdout.readline()
        assert banner.startswith("Listening for mail on 127.0.0.1:"), banner
        port = int(banner.split("127.0.0.1:", 1)[1].split(" ", 1)[0])

        answer = smtp_send(Listening(port), eml("plain"), mail_from="alice@example.org")

        assert answer.code == 250, answer
        ticket = Ticket.objects.get()
        assert ticket.title == "My invoice was charged twice"
        assert InboundMail.objects.get().outcome == InboundOutcome.TICKET_OPENED
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
    assert output.strip().endswith("Stopped.")


def test_the_secret_is_optional_but_never_a_placeholder():
    required = {s.variable: "k" * 40 for s in SECRETS if s.required}

    assert secrets_problems(required, debug=False) == []  # unset: the HTTP door is closed
    [problem] = secrets_problems({**required, "MAIL_INBOUND_SECRET": "change-me"}, debug=False)
    assert problem.startswith("MAIL_INBOUND_SECRET is a known placeholder value")
    [problem] = secrets_problems({**required, "MAIL_INBOUND_SECRET": "short"}, debug=False)
    assert problem.startswith("MAIL_INBOUND_SECRET is shorter than 32 characters")
