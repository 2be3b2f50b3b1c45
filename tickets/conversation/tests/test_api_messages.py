"""GET/POST /api/tickets/{id}/messages/: who may write what, the list's order, pages, bounds
and query counts."""

import pytest
from django.contrib.auth import get_user_model

from tickets.conversation import services
from tickets.conversation.tests.helpers import messages_url, send, trail
from tickets.models import MessageAttachment, TicketMessage
from tickets.tests.factories import AgentFactory

pytestmark = pytest.mark.django_db


def test_requester_replies_on_their_ticket(as_user, requester, ticket):
    response = send(as_user(requester), ticket, "Any news?")

    assert response.status_code == 201, response.data
    body = response.json()
    assert body["body"] == "Any news?"
    assert body["internal"] is False
    assert body["author"]["username"] == "requester"
    assert body["author_role"] == "requester"
    assert body["attachments"] == []
    assert trail(ticket)[-1] == (
        "message_added",
        {"message": body["id"], "internal": False, "author_role": "requester"},
    )


def test_assignee_colleague_and_staff_reply_and_write_notes(
    as_user, ticket, billing_agent, billing_colleague, staff
):
    for user, role in (
        (billing_agent.user, "agent"),
        (billing_colleague.user, "agent"),
        (staff, "staff"),
    ):
        for internal in (False, True):
            response = send(as_user(user), ticket, f"{role} {internal}", internal=internal)
            assert response.status_code == 201, response.data
            assert (response.json()["author_role"], response.json()["internal"]) == (
                role,
                internal,
            )
    assert TicketMessage.objects.filter(ticket=ticket).count() == 6


def test_the_assignee_from_another_department_writes_notes(as_user, ticket, staff, catalogue):
    outsider = AgentFactory(department=catalogue["bug"].department)
    ticket.assigned_to = outsider.user
    ticket.save(update_fields=["assigned_to"])

    response = send(as_user(outsider.user), ticket, "Looking", internal=True)

    assert response.status_code == 201, response.data
    assert response.json()["author_role"] == "agent"


def test_requester_may_not_write_a_note(as_user, requester, ticket):
    response = send(as_user(requester), ticket, "Secret", internal=True)

    assert response.status_code == 403
    assert "internal notes" in response.json()["detail"]
    assert not TicketMessage.objects.exists()


def test_others_cannot_reach_the_conversation(as_user, other_requester, ticket, catalogue):
    other_agent = AgentFactory(department=catalogue["bug"].department)
    for user in (other_requester, other_agent.user):
        client = as_user(user)
        assert send(client, ticket, "Hi").status_code == 404
        assert client.get(messages_url(ticket)).status_code == 404
    assert not TicketMessage.objects.exists()


def test_an_agent_who_opened_a_ticket_elsewhere_is_its_requester(as_user, catalogue, ticket):
    tech = AgentFactory(department=catalogue["bug"].department)
    ticket.created_by = tech.user
    ticket.save(update_fields=["created_by"])
    services.message_create(ticket=ticket, author=ticket.assigned_to, body="n", internal=True)

    client = as_user(tech.user)
    assert send(client, ticket, "Note?", internal=True).status_code == 403
    assert client.get(messages_url(ticket)).json()["count"] == 0


def test_anonymous_gets_401(api_client, ticket):
    assert api_client.get(messages_url(ticket)).status_code == 401
    assert send(api_client, ticket).status_code == 401


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "body"),
        ({"body": "   "}, "body"),
        ({"body": 12}, "body"),
        ({"body": ["a", "b"]}, "body"),
        ({"body": {"text": "hello"}}, "body"),
        ({"body": "x", "internal": "yes"}, "internal"),
        ({"body": "x", "status": "WAITING"}, "status"),
        ({"body": "x", "colour": "red"}, "colour"),
        ({"body": "x", "attachments": ["a.txt"]}, "attachments"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(as_user, billing_agent, ticket, payload, field):
    response = as_user(billing_agent.user).post(messages_url(ticket), payload, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not TicketMessage.objects.exists()


def test_body_length_is_bounded_by_the_setting(as_user, requester, ticket, settings):
    settings.CONVERSATION_BODY_MAX_CHARS = 20
    client = as_user(requester)

    assert send(client, ticket, "x" * 21).status_code == 400
    assert send(client, ticket, "x" * 20).status_code == 201


def test_body_is_plain_text_returned_as_sent(as_user, requester, ticket):
    text = "<script>alert(1)</script> & <b>bold</b>"
    message_id = send(as_user(requester), ticket, text).json()["id"]

    assert TicketMessage.objects.get(pk=message_id).body == text
    assert as_user(requester).get(messages_url(ticket)).json()["results"][0]["body"] == text


def test_list_is_oldest_first_and_paginated(as_user, requester, ticket, billing_agent):
    for i in range(5):
        author = requester if i % 2 == 0 else billing_agent.user
        services.message_create(ticket=ticket, author=author, body=f"m{i}")
    client = as_user(requester)

    first = client.get(messages_url(ticket), {"page_size": 2}).json()
    last = client.get(messages_url(ticket), {"page_size": 2, "page": 3}).json()

    assert first["count"] == 5
    assert [m["body"] for m in first["results"]] == ["m0", "m1"]
    assert [m["body"] for m in last["results"]] == ["m4"]
    cursor_page = client.get(messages_url(ticket), {"page_size": 2, "cursor": ""}).json()
    following = client.get(cursor_page["next"]).json()
    assert [m["body"] for m in following["results"]] == ["m2", "m3"]


def test_retrieve_one_message(as_user, requester, ticket):
    message = services.message_create(ticket=ticket, author=requester, body="Hello")

    response = as_user(requester).get(messages_url(ticket, message))

    assert response.status_code == 200
    assert response.json()["body"] == "Hello"
    assert as_user(requester).get(messages_url(ticket, 10**17)).status_code == 404


# Pinned: the caller's agent row (not read for staff), the ticket, the count, the page, its
# attachments.
MESSAGE_LIST_QUERIES = 5


@pytest.mark.parametrize("rows", [1, 30])
def test_message_list_queries_do_not_grow_with_rows(
    as_user, requester, billing_agent, staff, ticket, rows, django_assert_num_queries
):
    for i in range(rows):
        for internal in (False, True):
            message = services.message_create(
                ticket=ticket, author=billing_agent.user, body=f"m{i}", internal=internal
            )
            MessageAttachment.objects.create(
                message=message, file="x", name="a.txt", content_type="text/plain", size=1
            )
    for user, queries in (
        (requester, MESSAGE_LIST_QUERIES),
        (billing_agent.user, MESSAGE_LIST_QUERIES),
        (staff, MESSAGE_LIST_QUERIES - 1),
    ):
        client = as_user(get_user_model().objects.get(pk=user.pk))  # nothing cached on it
        with django_assert_num_queries(queries):
            response = client.get(messages_url(ticket), {"page_size": 100})
        assert response.status_code == 200
        results = response.json()["results"]
        assert len(results) == (rows if user == requester else 2 * rows)
        assert all(len(m["attachments"]) == 1 for m in results)
