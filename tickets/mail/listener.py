"""The SMTP door: an aiosmtpd server that hands each message to tickets.mail.services.

It is meant to run behind the organisation's mail server (which does spam filtering, TLS and
relay policy), reachable only from it: it accepts mail for any recipient it is given. The
size limit is advertised (ESMTP SIZE) and enforced while the data streams in; aiosmtpd
answers 552 beyond it, and this server logs and records the refusal.

The service is synchronous Django code: each message runs in a worker thread (never on the
event loop), with its own database connection closed afterwards."""

import asyncio
import logging

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from django.conf import settings
from django.db import close_old_connections, connection

from tickets.models import InboundDoor

logger = logging.getLogger(__name__)


def _receive(raw: bytes, envelope_sender: str | None, recipients: list[str]):
    from tickets.mail.services import mail_receive

    close_old_connections()
    try:
        return mail_receive(
            raw=raw,
            door=InboundDoor.SMTP,
            envelope_sender=envelope_sender,
            envelope_recipients=recipients,
        )
    finally:
        connection.close()


def _record_oversize(sender: str | None) -> None:
    from tickets.mail.services import mail_refuse_oversize

    close_old_connections()
    try:
        mail_refuse_oversize(door=InboundDoor.SMTP, size=None, sender=sender or "")
    finally:
        connection.close()


class InboundHandler:
    """aiosmtpd's handler: answers 250 once the message is a ticket, a reply or a recorded
    ignore; 550 for mail the desk will never read (malformed, empty, undecodable); 451 (try
    again later) when the desk itself failed, e.g. the database is down."""

    async def handle_DATA(self, server, session: Session, envelope: Envelope):  # noqa: N802 - aiosmtpd's name
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8", errors="surrogateescape")
        try:
            record = await asyncio.get_running_loop().run_in_executor(
                None, _receive, raw, envelope.mail_from, list(envelope.rcpt_tos)
            )
        except Exception:
            logger.exception("inbound mail from %s failed; asked to retry", envelope.mail_from)
            return "451 4.3.0 The help desk could not take this message now; try again later"
        if record.outcome == "refused":
            if len(raw) > settings.MAIL_INBOUND_MAX_BYTES:
                return f"552 5.3.4 Message refused: {record.reason}"
            return f"550 5.6.0 Message refused: {record.reason}"[:500]
        if record.ticket_id is not None:
            return f"250 2.0.0 OK: ticket #{record.ticket_id}"
        return "250 2.0.0 OK"


class InboundSMTP(SMTP):
    """aiosmtpd's SMTP, logging (and recording) each message refused for its size."""

    async def push(self, status: str):
        if status.startswith("552"):
            sender = self.envelope.mail_from if self.envelope else None
            try:
                await asyncio.get_running_loop().run_in_executor(None, _record_oversize, sender)
            except Exception:
                logger.exception("could not record the oversize message")
        await super().push(status)


class InboundController(Controller):
    """A thread running the listener's event loop (what `manage.py mail_inbound` and the tests
    start)."""

    def __init__(self, *, host: str, port: int, max_bytes: int):
        super().__init__(
            InboundHandler(),
            hostname=host,
            port=port,
            data_size_limit=max_bytes,
            # The headers as received (no X-Peer added): the service parses what was sent.
            decode_data=False,
        )

    def factory(self):
        return InboundSMTP(self.handler, **self.SMTP_kwargs)

    @property
    def bound_port(self) -> int:
        """The port actually listened on (the OS picks one for port 0)."""
        return self.server.sockets[0].getsockname()[1]

    def _trigger_server(self):
        # aiosmtpd's start() connects to self.port to wake the server: with port 0 (tests,
        # `--port 0`), to the one the OS picked.
        self.port = self.bound_port
        super()._trigger_server()
