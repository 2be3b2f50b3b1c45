"""Email notifications through the outbox, received by a real local SMTP server (aiosmtpd)."""

import email
import socket
from datetime import timedelta
from email import policy

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.utils import timezone

from agents.tests.factories import AgentFactory
from tickets.events import event_record
from tickets.models import (
    DeliveryState,
    EventKind,
    Notification,
    NotificationPreference,
)
from tickets.outbox.dispatch import dispatch_until_idle
from tickets.services import ticket_create, ticket_transition

pytestmark = pytest.mark.django_db


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((envelope.rcpt_tos, message))
        return "250 OK"

    def to(self, address: str):
        return [m for rcpts, m in self.messages if address in rcpts]


@pytest.fixture
def smtp_port():
    return free_port()


@pytest.fixture
def smtp(settings, smtp_port):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = smtp_port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_REPLY_DOMAIN = "reply.example.com"
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    yield inbox
    controller.stop()


def open_ticket(requester):
    return ticket_create(
        title="Refund", description="charged twice on my invoice", created_by=requester
    )


def test_the_assignee_is_told_in_their_language_with_a_reply_token(
    smtp, requester, billing_agent, catalogue
):
    NotificationPreference.objects.create(user=billing_agent.user, language="fr")
    open_ticket(requester)

    dispatch_until_idle()

    [message] = smtp.to(billing_agent.user.email)
    assert message["Subject"].endswith("Vous a été attribué : Refund")
    notification = Notification.objects.get(recipient=billing_agent.user)
    token = notification.reply_token
    assert len(token) >= 32
    assert message["Reply-To"] == f"reply+{token}@reply.example.com"
    assert message["Message-ID"] == f"<{token}@reply.example.com>"
    assert message.get_body(("plain",)).get_content().startswith("Le ticket #")
    assert 'lang="fr"' in message.get_body(("html",)).get_content()
    assert notification.state == DeliveryState.DELIVERED
    assert smtp.to(requester.email) == []  # nothing for the requester about the assignment


def test_the_requester_hears_of_the_resolution_unless_switched_off(
    smtp, staff, requester, other_requester, billing_agent, catalogue
):
    ticket = open_ticket(requester)
    ticket_transition(ticket=ticket, status="RESOLVED", actor=staff)
    NotificationPreference.objects.create(user=other_requester, muted=["resolved"])
    muted = open_ticket(other_requester)
    ticket_transition(ticket=muted, status="RESOLVED", actor=staff)

    dispatch_until_idle()

    [message] = smtp.to(requester.email)
    assert message["Subject"] == f"[#{ticket.pk}] Resolved: Refund"
    assert smtp.to(other_requester.email) == []


def test_an_internal_note_never_reaches_the_requester(
    smtp, staff, requester, billing_agent, catalogue
):
    ticket = open_ticket(requester)
    event_record(ticket=ticket, kind=EventKind.MESSAGE_ADDED, actor=staff, message=1, internal=True)
    event_record(ticket=ticket, kind=EventKind.MESSAGE_ADDED, actor=staff, message=2)
    dispatch_until_idle()
    assert smtp.to(requester.email) == []

    event_record(
        ticket=ticket, kind=EventKind.MESSAGE_ADDED, actor=staff, message=3, internal=False
    )
    dispatch_until_idle()

    [message] = smtp.to(requester.email)
    assert "New reply" in message["Subject"]


def test_a_public_reply_reaches_the_requester_with_its_text_and_a_note_never(
    smtp, requester, billing_agent, catalogue
):
    from tickets.conversation.services import message_create

    ticket = open_ticket(requester)
    agent = billing_agent.user
    message_create(ticket=ticket, author=agent, body="Internal: customer is a VIP", internal=True)
    message_create(ticket=ticket, author=agent, body="We refunded the second charge.")

    dispatch_until_idle()

    [message] = smtp.to(requester.email)
    assert "New reply" in message["Subject"]
    for part in ("plain", "html"):
        body = message.get_body((part,)).get_content()
        assert "We refunded the second charge." in body
        assert "VIP" not in body


def test_the_departments_agents_hear_of_an_sla_at_risk(smtp, requester, billing_agent, catalogue):
    colleague = AgentFactory(department=billing_agent.department)
    retired = AgentFactory(department=billing_agent.department, retired_at=timezone.now())
    ticket = open_ticket(requester)
    dispatch_until_idle()

    event_record(ticket=ticket, kind=EventKind.SLA_WARNING, target="resolution")
    dispatch_until_idle()

    for agent in (billing_agent, colleague):
        assert any("SLA at risk" in m["Subject"] for m in smtp.to(agent.user.email))
    assert smtp.to(retired.user.email) == []


def test_an_smtp_outage_delays_the_email_but_not_the_ticket(
    settings, as_user, smtp_port, requester, billing_agent, catalogue
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp_port  # nothing listens yet
    settings.EMAIL_TIMEOUT = 2

    response = as_user(requester).post(
        "/api/tickets/", {"title": "Refund", "description": "charged twice"}, format="json"
    )
    assert response.status_code == 201
    dispatch_until_idle()
    notification = Notification.objects.get()
    assert notification.state == DeliveryState.PENDING
    assert "Connection refused" in notification.last_error or notification.last_error

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        with time_machine.travel(timezone.now() + timedelta(minutes=5), tick=True):
            dispatch_until_idle()
    finally:
        controller.stop()
    assert len(inbox.to(billing_agent.user.email)) == 1
    notification.refresh_from_db()
    assert notification.state == DeliveryState.DELIVERED


def test_preferences_over_the_api(as_user, requester):
    client = as_user(requester)
    assert client.get("/api/notifications/preferences/").json() == {
        "language": "en",
        "muted": [],
    }

    response = client.patch(
        "/api/notifications/preferences/",
        {"language": "de", "muted": ["resolved", "public_reply"]},
        format="json",
    )
    assert response.status_code == 200
    assert response.json() == {"language": "de", "muted": ["public_reply", "resolved"]}

    response = client.patch("/api/notifications/preferences/", {"language": "xx"}, format="json")
    assert response.status_code == 400 and "language" in response.json()
