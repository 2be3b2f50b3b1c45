"""PUT/PATCH /api/tickets/{id}/ with status and assignee: the rules and events of transition/
and assign/, everything of one request or nothing, and a GET body that can be PUT back."""

import datetime as dt

import pytest

from agents.models import Agent
from tickets import services
from tickets.models import Priority, Ticket, TicketEvent, TicketStatus
from tickets.tests.api import event_kinds, last_event, ticket_url
from tickets.tests.factories import AgentFactory, TicketFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(requester, billing_agent):
    """A billing ticket opened by the requester, routed to the billing agent."""
    return services.ticket_create(
        title="Facture impayée", description="Ma facture est impayée.", created_by=requester
    )


@pytest.fixture
def colleague(catalogue):
    return AgentFactory(user__username="colleague", department=catalogue["billing"].department)


def patch(client, ticket, body):
    return client.patch(ticket_url(ticket), body, format="json")


def load(agent) -> int:
    return Agent.objects.get(pk=agent.pk).open_load


def test_status_is_changed_as_transition_changes_it(as_user, billing_agent, ticket):
    response = patch(as_user(billing_agent.user), ticket, {"status": "RESOLVED"})

    assert response.status_code == 200, response.data
    assert response.json()["status"] == "RESOLVED"
    assert response.json()["resolved_at"] is not None
    event = last_event(ticket)
    assert (event.kind, event.actor, event.payload) == (
        "status_changed",
        billing_agent.user,
        {"before": "OPEN", "after": "RESOLVED"},
    )
    assert load(billing_agent) == 0


def test_a_move_the_workflow_forbids_is_a_409(as_user, staff, ticket):
    services.ticket_transition(ticket=ticket, status=TicketStatus.CLOSED, actor=staff)

    response = patch(as_user(staff), ticket, {"status": "RESOLVED"})

    assert response.status_code == 409
    assert response.json()["allowed"] == ["OPEN"]


def test_assignee_is_changed_as_assign_changes_it(as_user, staff, ticket, billing_agent, colleague):
    response = patch(as_user(staff), ticket, {"assigned_to": colleague.user_id})

    assert response.status_code == 200, response.data
    assert response.json()["assigned_to"] == {"id": colleague.user_id, "username": "colleague"}
    event = last_event(ticket)
    assert event.kind == "reassigned"
    assert event.payload == {
        "before": billing_agent.user_id,
        "after": colleague.user_id,
        "mode": "manual",
    }
    assert (load(billing_agent), load(colleague)) == (0, 1)


@pytest.mark.parametrize("who", ["staff", "billing_agent"])
def test_null_unassigns(request, as_user, ticket, billing_agent, who):
    user = request.getfixturevalue(who)
    actor = getattr(user, "user", user)

    response = patch(as_user(actor), ticket, {"assigned_to": None})

    assert response.status_code == 200, response.data
    assert response.json()["assigned_to"] is None
    event = last_event(ticket)
    assert (event.kind, event.actor) == ("unassigned", actor)
    assert event.payload == {"before": billing_agent.user_id, "after": None}
    assert load(billing_agent) == 0


def test_an_agent_of_another_department_cannot_unassign(as_user, ticket, tech_agent):
    assert patch(as_user(tech_agent.user), ticket, {"assigned_to": None}).status_code == 404
    assert Ticket.objects.get(pk=ticket.pk).assigned_to_id is not None


@pytest.mark.parametrize(
    "body",
    [
        {"status": "OPEN"},  # transition/ refuses OPEN -> OPEN; here it is no change
        {"assigned_to": "same"},
        {"assigned_to": {"id": "same", "username": "anything"}},
        {"priority": "MEDIUM", "status": "OPEN", "category": "billing"},
    ],
)
def test_a_value_equal_to_the_current_one_is_no_change(as_user, staff, ticket, body):
    body = {
        key: (
            ticket.assigned_to_id
            if value == "same"
            else {**value, "id": ticket.assigned_to_id}
            if isinstance(value, dict)
            else value
        )
        for key, value in body.items()
    }
    before = event_kinds(ticket)

    response = patch(as_user(staff), ticket, body)

    assert response.status_code == 200, response.data
    assert event_kinds(ticket) == before


def test_unassigning_an_unassigned_ticket_is_no_change(as_user, staff, catalogue):
    ticket = TicketFactory(category=catalogue["billing"])

    assert patch(as_user(staff), ticket, {"assigned_to": None}).status_code == 200
    assert event_kinds(ticket) == []


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"priority": "URGENT", "status": "BOGUS"}, 400, "status"),
        ({"priority": "URGENT", "assigned_to": "requester"}, 400, "assigned_to"),
        ({"priority": "URGENT", "assigned_to": "retired"}, 400, "assigned_to"),
        ({"priority": "URGENT", "category": "bug", "assigned_to": 999_999}, 400, "assigned_to"),
        ({"priority": "URGENT", "category": None}, 400, "category"),
        ({"title": "New", "status": "OPEN", "assigned_to": "colleague"}, 409, "status"),
    ],
)
def test_everything_applies_or_nothing_does(
    as_user, staff, requester, colleague, catalogue, body, code, field
):
    """A closed ticket (the last case: reopening is allowed, but a CLOSED ticket may only go
    to OPEN, so OPEN works and the assignment follows; so the case closes it twice)."""
    ticket = services.ticket_create(
        title="Facture impayée", description="Ma facture est impayée.", created_by=requester
    )
    retired = AgentFactory(department=colleague.department, retired_at=dt.datetime.now(dt.UTC))
    people = {"requester": requester.pk, "retired": retired.pk, "colleague": colleague.pk}
    body = {k: people.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    if code == 409:
        services.ticket_transition(ticket=ticket, status=TicketStatus.RESOLVED, actor=staff)
        body["status"] = "IN_PROGRESS"  # RESOLVED -> IN_PROGRESS is forbidden
    before = (Ticket.objects.filter(pk=ticket.pk).values().get(), event_kinds(ticket))

    response = patch(as_user(staff), ticket, body)

    assert response.status_code == code, response.data
    assert field in response.json()
    assert (Ticket.objects.filter(pk=ticket.pk).values().get(), event_kinds(ticket)) == before


def test_a_valid_priority_with_a_forbidden_status_changes_nothing(as_user, staff, ticket):
    services.ticket_transition(ticket=ticket, status=TicketStatus.CLOSED, actor=staff)
    before = event_kinds(ticket)

    response = patch(as_user(staff), ticket, {"priority": "URGENT", "status": "RESOLVED"})

    assert response.status_code == 409
    assert Ticket.objects.get(pk=ticket.pk).priority == Priority.MEDIUM
    assert event_kinds(ticket) == before


def test_reopen_and_assign_in_one_request(as_user, staff, ticket, colleague):
    services.ticket_transition(ticket=ticket, status=TicketStatus.CLOSED, actor=staff)

    response = patch(as_user(staff), ticket, {"status": "OPEN", "assigned_to": colleague.user_id})

    assert response.status_code == 200, response.data
    assert (response.json()["status"], response.json()["assigned_to"]["id"]) == (
        "OPEN",
        colleague.user_id,
    )
    assert event_kinds(ticket)[-2:] == ["status_changed", "reassigned"]


def test_close_and_assign_in_one_request_is_refused_whole(as_user, staff, ticket, colleague):
    before = event_kinds(ticket)

    response = patch(as_user(staff), ticket, {"status": "CLOSED", "assigned_to": colleague.pk})

    assert response.status_code == 409
    assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.OPEN
    assert event_kinds(ticket) == before


def test_a_given_assignee_wins_over_routing_after_a_category_move(
    as_user, staff, ticket, tech_agent, colleague
):
    response = patch(as_user(staff), ticket, {"category": "bug", "assigned_to": colleague.pk})

    assert response.status_code == 200, response.data
    assert response.json()["department"]["slug"] == "technical"
    assert response.json()["assigned_to"]["id"] == colleague.user_id
    assert event_kinds(ticket)[-2:] == ["category_changed", "reassigned"]
    assert load(tech_agent) == 0


def test_a_category_move_with_the_same_assignee_sent_back_still_routes(
    as_user, staff, ticket, tech_agent, billing_agent
):
    """The assignee echoed unchanged is no change: the move routes as a PATCH of the category
    alone does."""
    body = {"category": "bug", "assigned_to": {"id": billing_agent.user_id}}

    response = patch(as_user(staff), ticket, body)

    assert response.status_code == 200, response.data
    assert response.json()["assigned_to"]["id"] == tech_agent.user_id


def test_the_body_of_a_get_can_be_put_back_with_changes(as_user, staff, ticket, colleague):
    client = as_user(staff)
    body = client.get(ticket_url(ticket)).json()
    body.update(title="Invoice unpaid", status="IN_PROGRESS", priority="HIGH")
    body["assigned_to"] = {"id": colleague.user_id, "username": "colleague"}

    response = client.put(ticket_url(ticket), body, format="json")

    assert response.status_code == 200, response.data
    got = response.json()
    assert (got["title"], got["status"], got["priority"]) == (
        "Invoice unpaid",
        "IN_PROGRESS",
        "HIGH",
    )
    assert got["assigned_to"]["id"] == colleague.user_id
    assert got["category"]["slug"] == "billing"  # the category object read back as it was
    assert event_kinds(ticket)[-4:] == [
        "updated",
        "priority_changed",
        "status_changed",
        "reassigned",
    ]
    # The same body again changes nothing more.
    assert client.put(ticket_url(ticket), response.json(), format="json").status_code == 200
    assert TicketEvent.objects.filter(ticket=ticket).count() == len(event_kinds(ticket))
    assert event_kinds(ticket)[-1] == "reassigned"


def test_an_uncategorised_ticket_can_be_put_back_with_its_null_category(as_user, staff):
    ticket = TicketFactory(title="Hello", description="There")
    client = as_user(staff)
    body = client.get(ticket_url(ticket)).json()
    assert body["category"] is None

    response = client.put(ticket_url(ticket), body, format="json")

    assert response.status_code == 200, response.data
    assert event_kinds(ticket) == []


@pytest.mark.parametrize(
    "category",
    [
        "bug",
        {"id": "bug-id"},
        {"slug": "bug"},
        {"id": "bug-id", "slug": "billing", "name": "ignored: read by its id"},
    ],
)
def test_category_by_slug_or_as_the_object_a_get_shows(as_user, staff, ticket, catalogue, category):
    if isinstance(category, dict) and category.get("id") == "bug-id":
        category = {**category, "id": catalogue["bug"].pk}

    response = patch(as_user(staff), ticket, {"category": category})

    assert response.status_code == 200, response.data
    assert response.json()["category"]["slug"] == "bug"


@pytest.mark.parametrize(
    "category", [{"id": 999_999}, {"id": "1"}, {"id": True}, {}, 12, ["bug"], "no-such"]
)
def test_a_bad_category_reference_is_a_400(as_user, staff, ticket, category):
    response = patch(as_user(staff), ticket, {"category": category})

    assert response.status_code == 400
    assert "category" in response.json()
