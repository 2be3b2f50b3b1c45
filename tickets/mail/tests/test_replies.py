"""Replies by mail: only through a notification's reply token, with the API's rules."""

import email
from datetime import timedelta
from email import policy
from email.message import EmailMessage

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.utils import timezone

from tickets.conversation.services import message_create
from tickets.mail.services import NOTICE_LINK_UNKNOWN
from tickets.mail.tests.conftest import REPLY_DOMAIN, eml, smtp_send
from tickets.models import (
    AuthorRole,
    InboundMail,
    InboundOutcome,
    Notification,
    NotificationKind,
    Ticket,
    TicketStatus,
)
from tickets.outbox.dispatch import dispatch_until_idle
from tickets.services import ticket_create, ticket_transition
from tickets.tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def alice(db):
    return UserFactory(username="alice", email="alice@example.org")


@pytest.fixture
def answered(alice, billing_agent, catalogue):
    """Alice's ticket, answered by its agent who asks her something (PENDING), and the
    notification of that answer sent to her (by the test settings' in-memory mail)."""
    ticket = ticket_create(
        title="My invoice was charged twice",
        description="charged twice on my invoice, please refund",
        created_by=alice,
    )
    assert ticket.assigned_to == billing_agent.user
    message_create(
        ticket=ticket,
        author=billing_agent.user,
        body="Which payment reference do you see?",
        status=TicketStatus.PENDING,
    )
    dispatch_until_idle()
    notification = Notification.objects.get(recipient=alice, kind=NotificationKind.PUBLIC_REPLY)
    return ticket, notification


def public_messages(ticket):
    return list(ticket.messages.filter(internal=False).order_by("created_at", "id"))


def test_a_reply_with_its_token_is_a_public_message_and_reopens(deliver, answered, alice):
    ticket, notification = answered
    other = ticket_create(title="Other", description="another ticket", created_by=alice)

    # The subject names another ticket: only the token counts.
    raw = eml("reply_quoted", REPLY_TOKEN=notification.reply_token, TICKET_ID=other.pk)
    answer = deliver(raw, to=[f"reply+{notification.reply_token}@{REPLY_DOMAIN}"])

    assert answer.code in (250, 202)
    ticket.refresh_from_db()
    *_, reply = public_messages(ticket)
    assert reply.author == alice
    assert reply.author_role == AuthorRole.REQUESTER
    assert reply.body == "Yes, the second payment was on 12 November, reference PAY-88231."
    assert ticket.status == TicketStatus.OPEN  # PENDING → OPEN, as for an API reply
    assert not other.messages.exists()
    assert Ticket.objects.count() == 2
    record = InboundMail.objects.get()
    assert (record.outcome, record.ticket, record.ticket_message) == (
        InboundOutcome.REPLY_ADDED,
        ticket,
        reply,
    )


def test_a_ticket_number_in_the_subject_alone_opens_a_new_ticket(deliver, answered):
    ticket, _ = answered
    raw = eml("reply_quoted", REPLY_TOKEN="", TICKET_ID=ticket.pk).replace(b"reply+@", b"support@")

    deliver(raw)

    assert len(public_messages(ticket)) == 1  # only the agent's
    new = Ticket.objects.exclude(pk=ticket.pk).get()
    assert new.title == f"Re: [#{ticket.pk}] New reply: My invoice was charged twice"


def test_an_unknown_token_opens_a_new_ticket_that_says_so(deliver, answered):
    ticket, _ = answered
    unknown = "Zz" * 16

    deliver(
        eml("reply_quoted", REPLY_TOKEN=unknown, TICKET_ID=ticket.pk),
        to=[f"reply+{unknown}@{REPLY_DOMAIN}"],
    )

    assert len(public_messages(ticket)) == 1
    new = Ticket.objects.exclude(pk=ticket.pk).get()
    first_line, rest = new.description.split("\n", 1)
    assert first_line == NOTICE_LINK_UNKNOWN
    assert "PAY-88231" in rest
    assert InboundMail.objects.get().outcome == InboundOutcome.TICKET_OPENED


def test_an_expired_token_opens_a_new_ticket(deliver, answered, settings):
    ticket, notification = answered
    settings.MAIL_INBOUND_REPLY_DAYS = 30
    raw = eml("reply_quoted", REPLY_TOKEN=notification.reply_token, TICKET_ID=ticket.pk)

    with time_machine.travel(timezone.now() + timedelta(days=31)):
        deliver(raw, to=[f"reply+{notification.reply_token}@{REPLY_DOMAIN}"])

    assert len(public_messages(ticket)) == 1
    new = Ticket.objects.exclude(pk=ticket.pk).get()
    assert new.description.split("\n", 1)[0] == NOTICE_LINK_UNKNOWN


def test_a_reply_to_a_closed_ticket_opens_a_new_one(deliver, answered, staff):
    ticket, notification = answered
    ticket_transition(ticket=ticket, status=TicketStatus.CLOSED, actor=staff)

    deliver(
        eml("reply_quoted", REPLY_TOKEN=notification.reply_token, TICKET_ID=ticket.pk),
        to=[f"reply+{notification.reply_token}@{REPLY_DOMAIN}"],
    )

    assert len(public_messages(ticket)) == 1
    new = Ticket.objects.exclude(pk=ticket.pk).get()
    assert new.description.startswith(f"[This email answered ticket #{ticket.pk}, which took no")


def test_an_auto_reply_carrying_a_valid_token_adds_nothing(deliver, answered):
    ticket, notification = answered

    deliver(eml("auto_reply", REPLY_TOKEN=notification.reply_token))

    assert len(public_messages(ticket)) == 1
    assert Ticket.objects.count() == 1
    assert InboundMail.objects.get().outcome == InboundOutcome.AUTO_REPLY


class Inbox:
    """A local SMTP server's mailbox: what the help desk sent."""

    def __init__(self):
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


class LocalSMTP(Controller):
    def _trigger_server(self):  # port 0: wake the server on the port the OS picked
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


def test_full_loop_notification_out_reply_in(settings, listener, alice, billing_agent, catalogue):
    inbox = Inbox()
    outgoing = LocalSMTP(inbox, hostname="127.0.0.1", port=0)
    outgoing.start()
    try:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", outgoing.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        ticket = ticket_create(
            title="Refund", description="charged twice on my invoice", created_by=alice
        )
        assert ticket.assigned_to == billing_agent.user
        message_create(
            ticket=ticket,
            author=billing_agent.user,
            body="Which month were you charged twice?",
            status=TicketStatus.PENDING,
        )
        dispatch_until_idle()
    finally:
        outgoing.stop()
    [notification] = [m for m in inbox.messages if m["To"] == alice.email]

    # Alice's mail program answers it: to the Reply-To, quoting the notification.
    reply = EmailMessage()
    reply["From"] = f"Alice <{alice.email}>"
    reply["To"] = notification["Reply-To"]
    reply["Subject"] = "Re: " + notification["Subject"]
    reply["In-Reply-To"] = notification["Message-ID"]
    reply["Message-ID"] = "<alice-reply-1@mail.example.org>"
    quoted = "\n".join(
        "> " + line for line in notification.get_body(("plain",)).get_content().splitlines()
    )
    reply.set_content(f"November, both on the 12th.\n\nOn Tuesday, Help desk wrote:\n{quoted}\n")
    answer = smtp_send(
        listener, reply.as_bytes(), mail_from=alice.email, to=[notification["Reply-To"]]
    )

    assert answer.code == 250
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN
    assert [(m.author, m.body) for m in public_messages(ticket)] == [
        (billing_agent.user, "Which month were you charged twice?"),
        (alice, "November, both on the 12th."),
    ]
