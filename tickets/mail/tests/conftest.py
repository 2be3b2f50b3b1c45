"""The two doors, for real: the listener of `manage.py mail_inbound` in a thread on a port the
OS picks, fed with smtplib; and the HTTP endpoint, fed by the test client. `deliver` runs a
test once through each door."""

import re
import smtplib
from dataclasses import dataclass
from pathlib import Path

import pytest

from tickets.mail.listener import InboundController

EML = Path(__file__).parent / "eml"
SECRET = "test-mail-inbound-secret-0123456789abcdef"
REPLY_DOMAIN = "reply.example.com"


def eml(name: str, **replace: str) -> bytes:
    """A fixture message, its placeholders (e.g. REPLY_TOKEN) replaced."""
    text = (EML / f"{name}.eml").read_bytes()
    for placeholder, value in replace.items():
        text = text.replace(placeholder.encode(), str(value).encode())
    return text


@dataclass
class Answer:
    """What the door said: the SMTP reply code, or the HTTP status and JSON body."""

    code: int
    text: str = ""
    body: dict | None = None


@pytest.fixture(autouse=True)
def _mail_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_REPLY_DOMAIN = REPLY_DOMAIN
    settings.MAIL_INBOUND_SECRET = SECRET
    return settings


@pytest.fixture
def listener(_mail_settings):
    controller = InboundController(
        host="127.0.0.1", port=0, max_bytes=_mail_settings.MAIL_INBOUND_MAX_BYTES
    )
    controller.start()
    yield controller
    controller.stop()


def smtp_send(
    controller, raw: bytes, *, mail_from="sender@example.org", to=("support@helpdesk.example.com",)
) -> Answer:
    """One message by smtplib, step by step as sendmail() does (SIZE declared when offered),
    keeping the reply to each step. Lines end in CRLF on the wire (smtplib converts only text,
    not bytes)."""
    raw = re.sub(rb"\r?\n", b"\r\n", raw)
    with smtplib.SMTP("127.0.0.1", controller.bound_port, timeout=30) as client:
        client.ehlo()
        options = [f"size={len(raw)}"] if client.has_extn("size") else []
        code, text = client.mail(mail_from, options)
        if code != 250:
            return Answer(code, text.decode(errors="replace"))
        for address in to:
            code, text = client.rcpt(address)
            if code not in (250, 251):
                return Answer(code, text.decode(errors="replace"))
        try:
            code, text = client.data(raw)
        except smtplib.SMTPDataError as error:
            return Answer(error.smtp_code, error.smtp_error.decode(errors="replace"))
        return Answer(code, text.decode(errors="replace"))


def http_post(client, raw: bytes, *, secret: str | None = SECRET) -> Answer:
    headers = {"HTTP_X_MAIL_INBOUND_SECRET": secret} if secret is not None else {}
    response = client.post("/api/mail/inbound/", data=raw, content_type="message/rfc822", **headers)
    return Answer(response.status_code, body=response.json())


@pytest.fixture(params=["smtp", "http"])
def deliver(request, client):
    """`deliver(raw, to=[...])` through one door, then the other (the test runs twice)."""
    if request.param == "smtp":
        controller = request.getfixturevalue("listener")

        def send(raw, **envelope):
            return smtp_send(controller, raw, **envelope)

    else:

        def send(raw, **envelope):
            return http_post(client, raw)

    send.door = request.param
    return send
