"""Real .eml fixtures through both doors: the SMTP listener (smtplib) and the HTTP endpoint.

Transactional: the listener handles each message in a worker thread with its own database
connection, which sees only committed rows."""

import pytest

from tickets.mail.tests.conftest import eml, http_post
from tickets.models import InboundMail, InboundOutcome, MessageAttachment, Ticket, TicketMessage
from tickets.tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def only_record() -> InboundMail:
    [record] = InboundMail.objects.all()
    return record


def test_plain_mail_opens_a_classified_routed_ticket_for_the_known_sender(
    deliver, billing_agent, catalogue
):
    alice = UserFactory(username="alice", email="alice@EXAMPLE.org")  # case differs

    answer = deliver(eml("plain"))

    assert answer.code in (250, 202)
    ticket = Ticket.objects.get()
    assert ticket.created_by == alice
    assert ticket.title == "My invoice was charged twice"
    assert ticket.description.startswith("Hello,\n\nI was charged twice for invoice 2026-114")
    assert "Alice Martin" not in ticket.description  # the signature is gone
    assert ticket.category.slug == "billing"
    assert ticket.assigned_to == billing_agent.user
    record = only_record()
    assert (record.outcome, record.ticket, record.door) == (
        InboundOutcome.TICKET_OPENED,
        ticket,
        deliver.door,
    )
    assert record.sender_created is None
    if deliver.door == "smtp":
        assert answer.text == f"2.0.0 OK: ticket #{ticket.pk}"
    else:
        assert answer.body["ticket"] == ticket.pk


def test_an_unknown_sender_becomes_a_user_without_password_flagged_for_staff(deliver, catalogue):
    UserFactory(username="alice-1", email="alice@example.org")
    UserFactory(username="alice-2", email="ALICE@example.org")  # two matches: not unique

    deliver(eml("plain"))

    ticket = Ticket.objects.get()
    assert ticket.created_by.username == "alice@example.org"
    assert ticket.created_by.first_name == "Alice Martin"
    assert not ticket.created_by.has_usable_password()
    assert only_record().sender_created == ticket.created_by


def test_html_only_mail_is_turned_into_text(deliver, catalogue):
    deliver(eml("html_only"))

    ticket = Ticket.objects.get()
    assert ticket.title == "Cannot log in — password reset fails"
    assert 'The password reset link says "expired" every time I click it.' in ticket.description
    assert "* Browser: Firefox" in ticket.description
    assert "<" not in ticket.description
    assert "alert" not in ticket.description


def test_attachments_are_kept_with_the_conversations_checks(deliver, catalogue):
    deliver(eml("multipart_attachment"))

    ticket = Ticket.objects.get()
    assert ticket.description.startswith("The export page shows an error; screenshot attached.")
    # A "PDF" that is really a Windows program is refused, and the ticket says so.
    assert "Attachments not kept:\n- report.pdf: its content is" in ticket.description
    [attachment] = MessageAttachment.objects.all()
    assert (attachment.name, attachment.content_type) == ("error.png", "image/png")
    assert attachment.message.ticket == ticket
    assert attachment.message.author == ticket.created_by
    assert attachment.message.internal is False
    assert attachment.file.read().startswith(b"\x89PNG")
    assert "report.pdf" in only_record().reason


def test_a_non_utf8_charset_is_decoded(deliver, catalogue):
    deliver(eml("latin1"))

    ticket = Ticket.objects.get()
    assert ticket.title == "Écran des paramètres bloqué"
    assert "L'écran « Paramètres » reste bloqué après la mise à jour." in ticket.description
    assert ticket.created_by.first_name == "Hélène Dupré"


@pytest.mark.parametrize(
    ("fixture", "outcome", "reason"),
    [
        ("auto_reply", InboundOutcome.AUTO_REPLY, "Auto-Submitted: auto-replied"),
        ("bounce", InboundOutcome.BOUNCE, "a delivery status report (multipart/report)"),
    ],
)
def test_auto_replies_and_bounces_are_recorded_and_ignored(
    deliver, catalogue, fixture, outcome, reason
):
    answer = deliver(eml(fixture, REPLY_TOKEN="x" * 32))

    # Accepted (a refusal would bounce back and loop), but nothing made.
    assert answer.code in (250, 202)
    assert not Ticket.objects.exists()
    assert not TicketMessage.objects.exists()
    record = only_record()
    assert (record.outcome, record.reason) == (outcome, reason)


def test_our_own_notification_coming_back_is_a_loop(deliver, catalogue):
    raw = eml("plain").replace(
        b"Message-ID: <plain-1@mail.example.org>",
        b"Message-ID: <abcdef0123456789abcd@reply.example.com>",
    )

    deliver(raw)

    assert not Ticket.objects.exists()
    assert only_record().outcome == InboundOutcome.LOOP


@pytest.fixture
def small_limit(settings):
    settings.MAIL_INBOUND_MAX_BYTES = 1000  # the attachment fixture is larger
    return settings


def test_an_oversize_message_is_refused_with_nothing_made(small_limit, deliver, catalogue, caplog):
    answer = deliver(eml("multipart_attachment"))

    assert answer.code in (552, 413)
    assert not Ticket.objects.exists()
    assert not MessageAttachment.objects.exists()
    record = only_record()
    assert record.outcome == InboundOutcome.REFUSED
    assert record.reason == "larger than the 1000 bytes accepted"
    assert "inbound mail refused" in caplog.text


@pytest.mark.parametrize(
    "raw",
    [b"\x00\xff\xfe garbage with no headers at all", b"Subject: no sender\n\nhello\n"],
    ids=["garbage", "no-from"],
)
def test_malformed_mail_is_refused_with_a_clear_reason(deliver, catalogue, raw, caplog):
    answer = deliver(raw)

    assert answer.code in (550, 400)
    if deliver.door == "http":
        assert answer.body["message"][0] == only_record().reason
    assert not Ticket.objects.exists()
    assert only_record().outcome == InboundOutcome.REFUSED
    assert "inbound mail refused" in caplog.text


def test_the_http_door_needs_the_secret(client, settings, catalogue):
    raw = eml("plain")
    missing = http_post(client, raw, secret=None)
    wrong = http_post(client, raw, secret="not-the-secret")
    settings.MAIL_INBOUND_SECRET = ""
    closed = http_post(client, raw)

    assert (missing.code, missing.body) == (401, {"detail": "Missing X-Mail-Inbound-Secret."})
    assert (wrong.code, wrong.body) == (401, {"detail": "Wrong X-Mail-Inbound-Secret."})
    assert closed.code == 403
    assert "MAIL_INBOUND_SECRET is not set" in closed.body["detail"]
    assert not Ticket.objects.exists()
    assert not InboundMail.objects.exists()


def test_the_http_door_is_left_out_of_the_api_schema(client):
    schema = client.get("/api/schema/?format=json").json()
    assert not any(path.startswith("/api/mail/") for path in schema["paths"])
