"""Editing and deleting notes (their author, within the window), never public replies; staff
redact any message's text, with an event saying who and when."""

import pytest
import time_machine

from tickets.conversation import services
from tickets.conversation.tests.helpers import messages_url, trail
from tickets.models import TicketMessage

pytestmark = pytest.mark.django_db

START = "2026-03-02 09:00:00Z"


@pytest.fixture
def note(ticket, billing_agent):
    with time_machine.travel(START, tick=False):
        return services.message_create(
            ticket=ticket, author=billing_agent.user, body="Cheque the invoice", internal=True
        )


@pytest.fixture
def reply(ticket, billing_agent):
    with time_machine.travel(START, tick=False):
        return services.message_create(ticket=ticket, author=billing_agent.user, body="Done.")


def edit(client, ticket, message, body):
    return client.patch(messages_url(ticket, message), {"body": body}, format="json")


def test_author_edits_a_note_within_the_window(as_user, billing_agent, ticket, note):
    with time_machine.travel("2026-03-02 09:14:00Z", tick=False):
        response = edit(as_user(billing_agent.user), ticket, note, "Check the invoice")

    assert response.status_code == 200, response.data
    assert response.json()["body"] == "Check the invoice"
    assert response.json()["edited_at"] == "2026-03-02T09:14:00Z"
    assert trail(ticket)[-1] == (
        "message_edited",
        {"message": note.pk, "internal": True, "author_role": "agent"},
    )


def test_the_window_is_a_setting_and_closes(as_user, billing_agent, ticket, note, settings):
    settings.CONVERSATION_NOTE_EDIT_MINUTES = 5
    client = as_user(billing_agent.user)

    with time_machine.travel("2026-03-02 09:05:01Z", tick=False):
        edited = edit(client, ticket, note, "Too late")
        deleted = client.delete(messages_url(ticket, note))

    assert (edited.status_code, deleted.status_code) == (409, 409)
    assert "5 minutes" in edited.json()["message"][0]
    assert TicketMessage.objects.get(pk=note.pk).body == "Cheque the invoice"


def test_only_the_author_edits_or_deletes_a_note(as_user, billing_colleague, staff, ticket, note):
    for user in (billing_colleague.user, staff):
        client = as_user(user)
        with time_machine.travel("2026-03-02 09:01:00Z", tick=False):
            assert edit(client, ticket, note, "Mine now").status_code == 403
            assert client.delete(messages_url(ticket, note)).status_code == 403
    assert TicketMessage.objects.filter(pk=note.pk).exists()


def test_author_deletes_a_note_within_the_window(as_user, billing_agent, ticket, note):
    with time_machine.travel("2026-03-02 09:10:00Z", tick=False):
        response = as_user(billing_agent.user).delete(messages_url(ticket, note))

    assert response.status_code == 204
    assert not TicketMessage.objects.filter(pk=note.pk).exists()
    assert trail(ticket)[-1] == (
        "message_deleted",
        {"message": note.pk, "internal": True, "author_role": "agent"},
    )


def test_public_replies_are_never_edited_or_deleted(
    as_user, billing_agent, requester, ticket, reply
):
    mine = services.message_create(ticket=ticket, author=requester, body="Thanks")
    for user, message in ((billing_agent.user, reply), (requester, mine)):
        client = as_user(user)
        with time_machine.travel("2026-03-02 09:00:30Z", tick=False):
            edited = edit(client, ticket, message, "Changed")
            deleted = client.delete(messages_url(ticket, message))
        assert (edited.status_code, deleted.status_code) == (403, 403)
        assert "part of the record" in edited.json()["detail"]
    assert TicketMessage.objects.filter(body__in=["Done.", "Thanks"]).count() == 2


def test_staff_redact_a_message_with_an_event_saying_who_and_when(as_user, staff, ticket, reply):
    with time_machine.travel("2026-03-05 10:00:00Z", tick=False):
        response = as_user(staff).post(messages_url(ticket, reply, "redact"), format="json")

    assert response.status_code == 200, response.data
    body = response.json()
    assert body["body"] == ""
    assert body["redacted_at"] == "2026-03-05T10:00:00Z"
    assert body["redacted_by"]["username"] == "staff"
    assert TicketMessage.objects.get(pk=reply.pk).body == ""
    event = ticket.events.order_by("id").last()
    assert (event.kind, event.actor, event.created_at.isoformat()) == (
        "message_redacted",
        staff,
        "2026-03-05T10:00:00+00:00",
    )
    assert event.payload == {
        "message": reply.pk,
        "internal": False,
        "author_role": "agent",
        "attachments_removed": 0,
    }
    assert "Done." not in str(list(ticket.events.values_list("payload", flat=True)))


def test_redaction_is_staff_only_and_once(as_user, staff, billing_agent, requester, ticket, reply):
    for user in (billing_agent.user, requester):
        response = as_user(user).post(messages_url(ticket, reply, "redact"), format="json")
        assert response.status_code == 403
    assert as_user(staff).post(messages_url(ticket, reply, "redact")).status_code == 200
    again = as_user(staff).post(messages_url(ticket, reply, "redact"))
    assert again.status_code == 409


def test_a_redacted_note_can_no_longer_be_edited(as_user, staff, billing_agent, ticket, note):
    services.message_redact(message=note, actor=staff)

    with time_machine.travel("2026-03-02 09:01:00Z", tick=False):
        response = edit(as_user(billing_agent.user), ticket, note, "Back")

    assert response.status_code == 409


def test_an_empty_patch_changes_nothing(as_user, billing_agent, ticket, note):
    with time_machine.travel("2026-03-02 09:01:00Z", tick=False):
        response = as_user(billing_agent.user).patch(messages_url(ticket, note), {}, format="json")

    assert response.status_code == 200
    assert response.json()["edited_at"] is None
    assert [k for k, _ in trail(ticket)][-1] == "message_added"
