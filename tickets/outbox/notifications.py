"""Email notifications: who is told about which event, and the sending.

- the assignee, when a ticket is assigned to them (by someone else);
- the requester, when their ticket gets a public reply (never an internal note: a
  `message_added` event counts only when its payload says `"internal": false`) or is
  resolved;
- the agents of the ticket's department, when its SLA is about to be breached.

Each user may switch each kind off and choose the language (NotificationPreference). The
emails leave through the outbox, sent by the dispatcher: never inside a request."""

import contextlib
import secrets
import smtplib
from collections import defaultdict
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives, get_connection
from django.utils import timezone
from django.utils.html import format_html

from agents.models import Agent
from tickets.models import (
    DeliveryState,
    EventKind,
    Notification,
    NotificationKind,
    NotificationPreference,
    OutboxEvent,
    TicketMessage,
    TicketStatus,
)
from tickets.outbox.mail_texts import FOOTER, TEXTS
from tickets.outbox.retry import retry_delay


def _recipients(events: list[OutboxEvent]) -> list[tuple[OutboxEvent, int, str]]:
    wanted = []
    department_events = defaultdict(list)
    for event in events:
        snapshot = event.snapshot or {}
        requester = (snapshot.get("created_by") or {}).get("id")
        payload = event.payload or {}
        if event.kind in (EventKind.ASSIGNED, EventKind.REASSIGNED):
            assignee = payload.get("after")
            if assignee and assignee != event.actor_id:
                wanted.append((event, assignee, NotificationKind.ASSIGNED))
        elif event.kind == EventKind.STATUS_CHANGED and payload.get("after") == (
            TicketStatus.RESOLVED
        ):
            if requester and requester != event.actor_id:
                wanted.append((event, requester, NotificationKind.RESOLVED))
        elif event.kind == EventKind.MESSAGE_ADDED:
            # Only a message explicitly public: an internal note never reaches a requester.
            if payload.get("internal") is False and requester and requester != event.actor_id:
                wanted.append((event, requester, NotificationKind.PUBLIC_REPLY))
        elif event.kind == EventKind.SLA_WARNING:
            department = (snapshot.get("department") or {}).get("id")
            if department:
                department_events[department].append(event)
    if department_events:
        agents = Agent.objects.filter(
            department_id__in=department_events, retired_at__isnull=True
        ).values_list("department_id", "user_id")
        for department_id, user_id in agents:
            for event in department_events[department_id]:
                wanted.append((event, user_id, NotificationKind.SLA_WARNING))
    return wanted


def notifications_for(events: list[OutboxEvent]) -> list[Notification]:
    """The notifications these events call for, leaving out users without an email address,
    inactive ones, and those who switched that kind off."""
    wanted = _recipients(events)
    if not wanted:
        return []
    user_ids = {user_id for _, user_id, _ in wanted}
    reachable = set(
        get_user_model()
        .objects.filter(pk__in=user_ids, is_active=True)
        .exclude(email="")
        .values_list("pk", flat=True)
    )
    muted = dict(
        NotificationPreference.objects.filter(user_id__in=reachable).values_list("user_id", "muted")
    )
    return [
        Notification(
            event=event,
            recipient_id=user_id,
            kind=kind,
            reply_token=secrets.token_urlsafe(24),
        )
        for event, user_id, kind in wanted
        if user_id in reachable and kind not in muted.get(user_id, [])
    ]


def _language(notification: Notification) -> str:
    try:
        return notification.recipient.notification_preference.language
    except NotificationPreference.DoesNotExist:
        return "en"


def notification_message(notification: Notification, *, connection=None) -> EmailMultiAlternatives:
    """The email, in plain text and HTML, in the recipient's language, with its reply
    token in the Reply-To address and the Message-ID."""
    language = _language(notification)
    snapshot = notification.event.snapshot or {}
    values = {
        "id": snapshot.get("id", notification.event.ticket_id),
        "title": snapshot.get("title", ""),
        "department": (snapshot.get("department") or {}).get("name", "—"),
        "priority": snapshot.get("priority", "—"),
    }
    subject, lead = (text.format(**values) for text in TEXTS[notification.kind][language])
    facts, invitation, opt_out = (text.format(**values) for text in FOOTER[language])
    domain = settings.EMAIL_REPLY_DOMAIN
    token = notification.reply_token
    reply = _public_reply_body(notification)
    quoted = f"{reply}\n\n" if reply else ""
    text = f"{lead}\n\n{quoted}{facts}\n\n{invitation}\n\n-- \n{opt_out}\n"
    html = format_html(
        '<html lang="{}"><body><p>{}</p>{}<p>{}</p><p>{}</p><hr><p><small>{}</small></p>'
        "</body></html>",
        language,
        lead,
        format_html('<blockquote style="white-space: pre-wrap">{}</blockquote>', reply)
        if reply
        else "",
        facts,
        invitation,
        opt_out,
    )
    message = EmailMultiAlternatives(
        subject=subject.replace("\n", " "),
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.recipient.email],
        reply_to=[f"reply+{token}@{domain}"],
        headers={"Message-ID": f"<{token}@{domain}>", "Content-Language": language},
        connection=connection,
    )
    message.attach_alternative(str(html), "text/html")
    return message


def _public_reply_body(notification: Notification) -> str:
    """The text of the public reply a `public_reply` email announces, as it reads now (a
    redacted reply reads redacted); an internal note is never read here."""
    if notification.kind != NotificationKind.PUBLIC_REPLY:
        return ""
    message_id = (notification.event.payload or {}).get("message")
    body = (
        TicketMessage.objects.filter(pk=message_id, internal=False)
        .values_list("body", flat=True)
        .first()
    )
    return body or ""


def _record(notification: Notification, error: str) -> None:
    now = timezone.now()
    pending = Notification.objects.filter(pk=notification.pk, state=DeliveryState.PENDING)
    if not error:
        pending.update(state=DeliveryState.DELIVERED, sent_at=now, last_error="")
        return
    give_up_at = notification.give_up_at or now + timedelta(hours=settings.WEBHOOK_RETRY_HOURS)
    if now >= give_up_at:
        pending.update(state=DeliveryState.FAILED, last_error=error, give_up_at=give_up_at)
    else:
        pending.update(
            next_attempt_at=now + retry_delay(notification.attempts),
            last_error=error,
            give_up_at=give_up_at,
        )


def notification_send(notifications: list[Notification]) -> None:
    """Send claimed notifications over one connection; a failure is retried later with
    backoff (an SMTP outage delays the emails, it never fails a request)."""
    connection = get_connection(fail_silently=False)
    try:
        connection.open()
    except (smtplib.SMTPException, OSError) as failure:
        for notification in notifications:
            _record(notification, f"{type(failure).__name__}: {failure}"[:1000])
        return
    try:
        for notification in notifications:
            error = ""
            try:
                notification_message(notification, connection=connection).send()
            except (smtplib.SMTPException, OSError) as failure:
                error = f"{type(failure).__name__}: {failure}"[:1000]
            _record(notification, error)
    finally:
        with contextlib.suppress(smtplib.SMTPException, OSError):
            connection.close()
