"""The one service behind both doors (the SMTP listener and the HTTP endpoint): a received
message becomes a new ticket, a reply on a ticket, or a record of why it became neither.

- A reply is recognised only by the unguessable reply token of one of our notifications
  (never by a ticket number in the subject, which anyone can forge); it becomes a public
  message of the token's recipient through tickets.conversation.services.message_create,
  with the API's visibility and reopen rules. An unknown or expired token, or a ticket that
  no longer takes replies, opens a new ticket instead, and its first line says so.
- Anything else opens a ticket through tickets.services.ticket_create (classified and
  routed like any ticket) for the user whose email matches the sender uniquely, or a new
  user without a usable password, recorded for staff (InboundMail.sender_created).
- Auto-replies, bounces and loops are recorded and ignored; oversize, malformed or
  undecodable mail is recorded as refused with a log line, and nothing else is written.
Every outcome is one InboundMail row, written in the transaction of what the mail made."""

import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone
from rest_framework.exceptions import PermissionDenied

from config.api.exceptions import DomainError
from tickets.conversation.attachments import (
    AttachmentRefused,
    CheckedAttachment,
    attachment_check,
)
from tickets.conversation.services import message_create
from tickets.mail.parsing import (
    MailUndecodable,
    ParsedMail,
    mail_parse,
    reply_tokens,
    text_storable,
)
from tickets.mail.screening import mail_screen
from tickets.models import InboundDoor, InboundMail, InboundOutcome, Notification, Ticket
from tickets.services import ticket_create

logger = logging.getLogger(__name__)

NOTICE_LINK_UNKNOWN = (
    "[This email answered a notification whose reply link is unknown or expired, so it "
    "opened a new ticket.]"
)
ATTACHMENTS_ONLY = "[The email had no text; see its attachments.]"
_TITLE_MAX = 200  # Ticket.title
_DESCRIPTION_MAX = 20_000  # Ticket.description


def mail_receive(
    *,
    raw: bytes,
    door: InboundDoor,
    envelope_sender: str | None = None,
    envelope_recipients: list[str] = (),
) -> InboundMail:
    """Turn one received message into a ticket or a reply, or record why not.

    ``envelope_sender``/``envelope_recipients`` are the SMTP envelope's (MAIL FROM, RCPT TO)
    when the SMTP door received it; the HTTP door has only the headers."""
    size = len(raw)
    limit = settings.MAIL_INBOUND_MAX_BYTES
    if size > limit:
        return _refuse(door=door, size=size, reason=f"larger than the {limit} bytes accepted")
    try:
        mail = mail_parse(raw, envelope_recipients=list(envelope_recipients))
    except MailUndecodable as failure:
        return _refuse(door=door, size=size, reason=str(failure))
    screened = mail_screen(mail, envelope_sender=envelope_sender)
    if screened is not None:
        outcome, reason = screened
        logger.info("inbound mail ignored (%s): %s from %s", outcome, reason, mail.sender)
        return _record(mail, door=door, size=size, outcome=outcome, reason=reason)

    notice = ""
    tokens = reply_tokens(mail, domain=settings.EMAIL_REPLY_DOMAIN)
    if tokens:
        notification = _notification_for(tokens)
        ticket = (
            Ticket.objects.filter(pk=notification.event.ticket_id).first() if notification else None
        )
        if ticket is None:
            notice = NOTICE_LINK_UNKNOWN
        else:
            try:
                return _reply_add(
                    mail, door=door, size=size, ticket=ticket, notification=notification
                )
            except (DomainError, PermissionDenied) as refusal:
                detail = getattr(refusal, "message", None) or str(refusal.detail)
                notice = (
                    f"[This email answered ticket #{ticket.pk}, which took no reply "
                    f"({detail}), so it opened a new ticket.]"
                )
    return _ticket_open(mail, door=door, size=size, notice=notice)


def _notification_for(tokens: list[str]) -> Notification | None:
    """The notification one of these tokens belongs to, if it is still honoured."""
    oldest = timezone.now() - timedelta(days=settings.MAIL_INBOUND_REPLY_DAYS)
    return (
        Notification.objects.select_related("event", "recipient")
        .annotate(sent=Coalesce(F("sent_at"), F("event__occurred_at")))
        .filter(
            reply_token__in=tokens,
            sent__gte=oldest,
            recipient__is_active=True,
            event__ticket_id__isnull=False,
        )
        .first()
    )


def _attachments_check(mail: ParsedMail) -> tuple[list[CheckedAttachment], list[str]]:
    """The attachments kept (the conversation's limits and checks), and why others were not."""
    kept, refused = [], []
    for attachment in mail.attachments:
        if len(kept) >= settings.CONVERSATION_ATTACHMENT_MAX_COUNT:
            refused.append(
                f"{attachment.name}: more than "
                f"{settings.CONVERSATION_ATTACHMENT_MAX_COUNT} attachments"
            )
            continue
        upload = SimpleUploadedFile(
            attachment.name, attachment.content, content_type=attachment.declared_type
        )
        try:
            kept.append(attachment_check(upload))
        except AttachmentRefused as refusal:
            refused.append(str(refusal))
    return kept, refused


def _with_refusals(text: str, refused: list[str]) -> str:
    if not refused:
        return text
    lines = "\n".join(f"- {reason}" for reason in refused)
    return f"{text}\n\n[Attachments not kept:\n{lines}]".strip()


def _reply_add(
    mail: ParsedMail, *, door: InboundDoor, size: int, ticket: Ticket, notification: Notification
) -> InboundMail:
    attachments, refused = _attachments_check(mail)
    body = _with_refusals(mail.reply, refused)
    if not body and not attachments:
        return _refuse(door=door, size=size, reason="the reply has no text", mail=mail)
    if not body:
        body = ATTACHMENTS_ONLY
    body = body[: settings.CONVERSATION_BODY_MAX_CHARS]
    with transaction.atomic():
        message = message_create(
            ticket=ticket, author=notification.recipient, body=body, attachments=attachments
        )
        record = _record(
            mail,
            door=door,
            size=size,
            outcome=InboundOutcome.REPLY_ADDED,
            reason="; ".join(refused),
            ticket=ticket,
            ticket_message=message,
        )
    logger.info("inbound mail from %s added to ticket #%s", mail.sender, ticket.pk)
    return record


def _ticket_open(mail: ParsedMail, *, door: InboundDoor, size: int, notice: str) -> InboundMail:
    attachments, refused = _attachments_check(mail)
    text = mail.reply
    title = (mail.subject or text.split("\n", 1)[0] or "").strip()[:_TITLE_MAX]
    if not title and not attachments:
        return _refuse(door=door, size=size, reason="no subject, text or attachment", mail=mail)
    title = title or "(no subject)"
    description = "\n\n".join(part for part in (notice, text) if part) or (
        ATTACHMENTS_ONLY if attachments else title
    )
    description = _with_refusals(description, refused)[:_DESCRIPTION_MAX]
    with transaction.atomic():
        requester, created = _requester_for(mail)
        ticket = ticket_create(title=title, description=description, created_by=requester)
        message = None
        if attachments:
            # Files belong to messages: the email's arrive as the requester's first message.
            message = message_create(
                ticket=ticket,
                author=requester,
                body="[Attachments of the email that opened this ticket.]",
                attachments=attachments,
            )
        record = _record(
            mail,
            door=door,
            size=size,
            outcome=InboundOutcome.TICKET_OPENED,
            reason="; ".join(([notice] if notice else []) + refused),
            ticket=ticket,
            ticket_message=message,
            sender_created=requester if created else None,
        )
    logger.info("inbound mail from %s opened ticket #%s", mail.sender, ticket.pk)
    return record


def _requester_for(mail: ParsedMail):
    """The user whose email matches the sender uniquely (case-insensitive), or a new one
    without a usable password (True: made now)."""
    users = get_user_model().objects
    matches = list(users.filter(email__iexact=mail.sender)[:2])
    if len(matches) == 1:
        return matches[0], False
    username = mail.sender[:150]
    if users.filter(username__iexact=username).exists():
        username = f"{mail.sender[:140]}-{secrets.token_hex(4)}"
    user = users.model(username=username, email=mail.sender, first_name=mail.sender_name[:150])
    user.set_unusable_password()
    user.save()
    return user, True


def _record(
    mail: ParsedMail | None, *, door: InboundDoor, size: int, outcome: str, reason: str, **links
) -> InboundMail:
    return InboundMail.objects.create(
        door=door,
        outcome=outcome,
        # An error's text may quote the message's bytes: stored as PostgreSQL can.
        reason=text_storable(reason),
        size=size,
        message_id=(mail.message_id if mail else "")[:998],
        sender=(mail.sender if mail else "")[:320],
        subject=(mail.subject if mail else "")[:998],
        **links,
    )


def mail_refuse_oversize(*, door: InboundDoor, size: int | None, sender: str = "") -> InboundMail:
    """Record (and log) a message a door refused for its size before reading all of it."""
    limit = settings.MAIL_INBOUND_MAX_BYTES
    reason = f"larger than the {limit} bytes accepted"
    logger.warning("inbound mail refused (%s door, from %s): %s", door, sender or "?", reason)
    return InboundMail.objects.create(
        door=door,
        outcome=InboundOutcome.REFUSED,
        reason=reason,
        size=min(size or 0, 2**31 - 1),
        sender=sender[:320],
    )


def _refuse(*, door: InboundDoor, size: int, reason: str, mail: ParsedMail | None = None):
    sender = mail.sender if mail else "an unknown sender"
    logger.warning(
        "inbound mail refused (%s door, %s bytes, from %s): %s", door, size, sender, reason
    )
    return _record(mail, door=door, size=size, outcome=InboundOutcome.REFUSED, reason=reason)
