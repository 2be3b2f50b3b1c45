"""A requester never sees an internal note: not in the messages list or its count, not by id,
not in the ticket's events, not through search or similar tickets, not its attachments.
Agents of the department, the assignee and staff see them all."""

import pytest

from tickets.conversation import services
from tickets.conversation.tests.helpers import messages_url, send
from tickets.models import MessageAttachment
from tickets.tests.api import ticket_url
from tickets.tests.factories import TicketFactory

pytestmark = pytest.mark.django_db

SECRET = "zorglub refund approved by finance only"


@pytest.fixture
def conversation(ticket, requester, billing_agent, staff):
    """reply (requester), note (agent) edited then redacted by staff, reply (agent), note
    (agent) deleted, note (staff) with an attachment."""
    services.message_create(ticket=ticket, author=requester, body="My invoice is wrong.")
    note = services.message_create(
        ticket=ticket, author=billing_agent.user, body=SECRET, internal=True
    )
    services.message_edit(message=note, actor=billing_agent.user, body=SECRET + "!")
    services.message_redact(message=note, actor=staff)
    services.message_create(ticket=ticket, author=billing_agent.user, body="Checking.")
    gone = services.message_create(
        ticket=ticket, author=billing_agent.user, body="typo", internal=True
    )
    services.message_delete(message=gone, actor=billing_agent.user)
    kept = services.message_create(ticket=ticket, author=staff, body=SECRET, internal=True)
    attachment = MessageAttachment.objects.create(
        message=kept, file="conversation/x", name="a.txt", content_type="text/plain", size=1
    )
    return {"note": note, "kept": kept, "attachment": attachment}


def test_requester_lists_public_replies_only(as_user, requester, ticket, conversation):
    body = as_user(requester).get(messages_url(ticket)).json()

    assert body["count"] == 2
    assert [m["body"] for m in body["results"]] == ["My invoice is wrong.", "Checking."]
    assert SECRET not in str(body)


@pytest.mark.parametrize("who", ["billing_agent", "billing_colleague", "staff"])
def test_agents_of_the_department_and_staff_see_every_note(
    as_user, request, ticket, conversation, who
):
    user = request.getfixturevalue(who)
    body = as_user(getattr(user, "user", user)).get(messages_url(ticket)).json()

    assert body["count"] == 4
    assert [m["internal"] for m in body["results"]] == [False, True, False, True]


def test_a_note_is_unknown_to_the_requester_by_id(as_user, requester, ticket, conversation):
    client = as_user(requester)
    kept = conversation["kept"]

    assert client.get(messages_url(ticket, kept)).status_code == 404
    assert client.patch(messages_url(ticket, kept), {"body": "x"}, format="json").status_code == 404
    assert client.delete(messages_url(ticket, kept)).status_code == 404
    url = messages_url(ticket, kept, f"attachments/{conversation['attachment'].pk}")
    assert client.get(url).status_code == 404


def test_requester_events_leave_out_every_trace_of_notes(
    as_user, requester, billing_agent, ticket, conversation
):
    mine = as_user(requester).get(ticket_url(ticket, "events")).json()
    theirs = as_user(billing_agent.user).get(ticket_url(ticket, "events")).json()

    def messages(events):
        return [(e["kind"], e["payload"]["internal"]) for e in events if "message" in e["kind"]]

    assert messages(mine) == [("message_added", False), ("message_added", False)]
    assert messages(theirs) == [
        ("message_added", False),
        ("message_added", True),
        ("message_edited", True),
        ("message_redacted", True),
        ("message_added", False),
        ("message_added", True),
        ("message_deleted", True),
        ("message_added", True),
    ]
    # The other events are the same for both.
    assert [e["id"] for e in mine if "message" not in e["kind"]] == [
        e["id"] for e in theirs if "message" not in e["kind"]
    ]
    assert SECRET not in str(mine)


def test_search_never_reads_messages(as_user, requester, staff, ticket, conversation):
    """Search matches a ticket's title and description only, so no note can be found through
    it (nor any reply: say so in docs/conversation.md)."""
    for user in (requester, staff):
        listed = as_user(user).get("/api/tickets/", {"search": "zorglub"}).json()
        assert listed["count"] == 0


def test_similar_tickets_ignore_messages(as_user, requester, catalogue, trained_model):
    title, text = "Zorglub printer sparks", "The zorglub printer in room 42 emits sparks."
    query = TicketFactory(title=title, description=text, category=catalogue["bug"])
    query.created_by = requester
    query.save()
    other = TicketFactory(
        title="Invoice", description="Wrong amount.", category=catalogue["billing"]
    )
    other.created_by = requester
    other.save()
    client = as_user(requester)
    before = client.get(ticket_url(query, "similar")).json()

    services.message_create(ticket=other, author=requester, body=text)
    after = client.get(ticket_url(query, "similar")).json()

    assert [(r["ticket"]["id"], r["score"]) for r in after] == [
        (r["ticket"]["id"], r["score"]) for r in before
    ]


def test_a_note_sent_through_the_api_is_hidden_from_the_requester(
    as_user, requester, billing_agent, ticket
):
    send(as_user(billing_agent.user), ticket, SECRET, internal=True)

    client = as_user(requester)
    assert client.get(messages_url(ticket)).json()["count"] == 0
    assert SECRET not in str(client.get(ticket_url(ticket, "events")).json())
    assert SECRET not in str(client.get(ticket_url(ticket)).json())
