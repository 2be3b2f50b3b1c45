"""Every conversation route, with each of its methods, answers a requester of another ticket
and an agent of another department with the 404 of an unknown ticket, and changes nothing
(the routes are enumerated in tickets/tests/test_isolation.py's ENDPOINTS)."""

import pytest
from django.urls import reverse

from tickets.conversation import services
from tickets.models import MessageAttachment, TicketEvent, TicketMessage
from tickets.tests.test_isolation import api_routes

pytestmark = pytest.mark.django_db

# URL name -> method -> body.
ROUTES = {
    "ticket-message-list": {"get": None, "post": {"body": "Hello"}},
    "ticket-message-detail": {"get": None, "patch": {"body": "Changed"}, "delete": None},
    "ticket-message-redact": {"post": {}},
    "ticket-message-attachment": {"get": None},
}


@pytest.fixture
def scene(ticket, billing_agent, catalogue):
    message = services.message_create(ticket=ticket, author=billing_agent.user, body="Hi")
    attachment = MessageAttachment.objects.create(
        message=message, file="conversation/x", name="a.txt", content_type="text/plain", size=1
    )
    return ticket, message, attachment


def _kwargs(name, ticket, message, attachment) -> dict:
    kwargs = {"id": ticket.pk}
    if name != "ticket-message-list":
        kwargs["message_id"] = message.pk
    if name == "ticket-message-attachment":
        kwargs["attachment_id"] = attachment.pk
    return kwargs


def test_every_conversation_route_is_covered():
    assert {n for n in api_routes() if n.startswith("ticket-message")} == set(ROUTES)


@pytest.mark.parametrize("outsider", ["other_requester", "tech_agent"])
@pytest.mark.parametrize(
    ("name", "method"), [(name, method) for name, methods in ROUTES.items() for method in methods]
)
def test_outsiders_get_a_404_on_every_conversation_route(
    as_user, request, scene, outsider, name, method
):
    ticket, message, attachment = scene
    user = request.getfixturevalue(outsider)
    client = as_user(getattr(user, "user", user))
    before = (
        list(TicketMessage.objects.values()),
        TicketEvent.objects.count(),
        MessageAttachment.objects.count(),
    )

    url = reverse(name, kwargs=_kwargs(name, ticket, message, attachment))
    response = getattr(client, method)(url, ROUTES[name][method], "json")

    assert response.status_code == 404, (name, method, response.content)
    assert response.json() == {"detail": "No Ticket matches the given query."}
    assert before == (
        list(TicketMessage.objects.values()),
        TicketEvent.objects.count(),
        MessageAttachment.objects.count(),
    )


def test_a_message_of_another_ticket_is_not_reached_through_this_one(
    as_user, scene, requester, billing_agent
):
    ticket, message, _ = scene
    other = services.message_create(
        ticket=type(ticket).objects.create(title="t", description="d", created_by=requester),
        author=requester,
        body="elsewhere",
    )
    url = reverse("ticket-message-detail", kwargs={"id": ticket.pk, "message_id": other.pk})

    assert as_user(requester).get(url).status_code == 404
