"""Mail that no person wrote, to be recorded and ignored: answering it (with a ticket, and so
a notification) would start a loop between two machines.

- auto-replies: `Auto-Submitted` other than "no" (RFC 3834), `Precedence: bulk/junk/list/
  auto_reply`, `X-Autoreply`/`X-Autorespond`;
- bounces: a delivery report (`multipart/report`), or a mailer-daemon/postmaster sender, or
  an empty envelope sender (`<>`, RFC 5321's null reverse-path);
- loops: our own notifications coming back (their Message-ID is <token>@EMAIL_REPLY_DOMAIN,
  their sender DEFAULT_FROM_EMAIL)."""

from email.utils import parseaddr

from django.conf import settings

from tickets.mail.parsing import ParsedMail
from tickets.models import InboundOutcome

_BULK_PRECEDENCE = {"bulk", "junk", "list", "auto_reply"}
_DAEMONS = {"mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon"}


def mail_screen(
    mail: ParsedMail, *, envelope_sender: str | None = None
) -> tuple[InboundOutcome, str] | None:
    """Why this message is to be ignored (its outcome and a reason), or None for a person's."""
    headers = mail.headers
    auto_submitted = str(headers.get("Auto-Submitted", "") or "").strip().lower()
    if auto_submitted and auto_submitted != "no":
        return InboundOutcome.AUTO_REPLY, f"Auto-Submitted: {auto_submitted}"
    precedence = str(headers.get("Precedence", "") or "").strip().lower()
    if precedence in _BULK_PRECEDENCE:
        return InboundOutcome.AUTO_REPLY, f"Precedence: {precedence}"
    for name in ("X-Autoreply", "X-Autorespond"):
        if headers.get(name) is not None:
            return InboundOutcome.AUTO_REPLY, f"{name} header"

    if headers.get_content_type() == "multipart/report":
        return InboundOutcome.BOUNCE, "a delivery status report (multipart/report)"
    local_part = mail.sender.split("@", 1)[0]
    if local_part in _DAEMONS:
        return InboundOutcome.BOUNCE, f"sent by {mail.sender}"
    if envelope_sender is not None and envelope_sender.strip("<> ") == "":
        return InboundOutcome.BOUNCE, "empty envelope sender (<>)"

    domain = settings.EMAIL_REPLY_DOMAIN.lower()
    if mail.message_id.lower().rstrip(">").endswith("@" + domain):
        return InboundOutcome.LOOP, f"our own Message-ID {mail.message_id}"
    our_sender = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].lower()
    if our_sender and mail.sender == our_sender:
        return InboundOutcome.LOOP, f"sent from our own address {our_sender}"
    if mail.sender.startswith("reply+") and mail.sender.endswith("@" + domain):
        return InboundOutcome.LOOP, f"sent from one of our reply addresses {mail.sender}"
    return None
