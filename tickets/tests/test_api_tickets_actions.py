"""POST assign / reassign / transition, GET events, and the /api/ticket/ alias."""

import pytest

from tickets import services
from tickets.models import Ticket, TicketEvent, TicketStatus
from tickets.tests.api import event_kinds, last_event, ticket_url
from tickets.tests.factories import AgentFactory, TicketFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(requester, billing_agent):
    """A billing ticket opened by the requester, routed to the billing agent."""
    return services.ticket_create(
        title="Facture impayée", description="Ma facture est impayée.", created_by=requester
    )


def post(client, ticket, action, body=None):
    return client.post(ticket_url(ticket, action), body, format="json")


def open_load(agent) -> int:
    return agent.user.assigned_tickets.filter(status__in=["OPEN", "IN_PROGRESS"]).count()


# Assign


def test_staff_assigns_an_unassigned_ticket(as_user, staff, catalogue, billing_agent):
    ticket = TicketFactory(category=catalogue["billing"])

    response = post(as_user(staff), ticket, "assign", {"assigned_to": billing_agent.user_id})

    assert response.status_code == 200, response.data
    assert response.json()["assigned_to"]["id"] == billing_agent.user_id
    event = last_event(ticket)
    assert (event.kind, event.actor) == ("assigned", staff)
    assert event.payload == {"before": None, "after": billing_agent.user_id, "mode": "manual"}


def test_assign_may_exceed_capacity_and_availability(as_user, staff, ticket, catalogue):
    away = AgentFactory(department=catalogue["billing"].department, max_open_tickets=0)
    away.is_available = False
    away.save()

    response = post(as_user(staff), ticket, "assign", {"assigned_to": away.user_id})

    assert response.status_code == 200, response.data
    assert Ticket.objects.get(pk=ticket.pk).assigned_to_id == away.user_id
    assert open_load(away) == 1
    assert last_event(ticket).kind == "reassigned"


def test_agent_assigns_to_an_agent_of_another_department(
    as_user, billing_agent, tech_agent, ticket
):
    response = post(as_user(billing_agent.user), ticket, "assign", {"assigned_to": tech_agent.pk})

    assert response.status_code == 200
    assert response.json()["assigned_to"]["id"] == tech_agent.user_id
    assert response.json()["department"]["slug"] == "billing"


@pytest.mark.parametrize("target", ["requester", "unknown", "zero", "text", "missing"])
def test_assign_to_a_non_agent_is_a_400_naming_assigned_to(
    as_user, staff, requester, ticket, target
):
    body = {
        "requester": {"assigned_to": requester.pk},
        "unknown": {"assigned_to": 999999},
        "zero": {"assigned_to": 0},
        "text": {"assigned_to": "bob"},
        "missing": {},
    }[target]
    before = event_kinds(ticket)

    response = post(as_user(staff), ticket, "assign", body)

    assert response.status_code == 400
    assert "assigned_to" in response.json()
    assert event_kinds(ticket) == before


def test_requester_cannot_assign(as_user, requester, ticket, tech_agent):
    response = post(as_user(requester), ticket, "assign", {"assigned_to": tech_agent.user_id})

    assert response.status_code == 403
    assert Ticket.objects.get(pk=ticket.pk).assigned_to_id != tech_agent.user_id


def test_assigning_a_closed_ticket_is_a_409(as_user, staff, catalogue, billing_agent):
    ticket = TicketFactory(category=catalogue["billing"], status=TicketStatus.CLOSED)

    response = post(as_user(staff), ticket, "assign", {"assigned_to": billing_agent.user_id})

    assert response.status_code == 409
    assert "status" in response.json()
    assert Ticket.objects.get(pk=ticket.pk).assigned_to is None


# Reassign


def test_reassign_to_a_named_agent(as_user, staff, ticket, tech_agent):
    response = post(as_user(staff), ticket, "reassign", {"agent": tech_agent.user_id})

    assert response.status_code == 200, response.data
    assert response.json()["assigned_to"]["id"] == tech_agent.user_id
    assert last_event(ticket).payload["mode"] == "manual"


def test_reassign_to_a_non_agent_is_a_400_naming_agent(as_user, staff, requester, ticket):
    response = post(as_user(staff), ticket, "reassign", {"agent": requester.pk})

    assert response.status_code == 400
    assert "agent" in response.json()


@pytest.mark.parametrize("body", [None, {}, {"agent": None}])
def test_empty_reassign_routes_again_without_the_current_agent(
    as_user, staff, ticket, billing_agent, catalogue, body
):
    # Busier than billing_agent, yet the only other choice.
    colleague = AgentFactory(department=catalogue["billing"].department)
    TicketFactory.create_batch(3, category=catalogue["billing"], assigned_to=colleague.user)

    response = post(as_user(staff), ticket, "reassign", body)

    assert response.status_code == 200, response.data
    assert response.json()["assigned_to"]["id"] == colleague.user_id
    event = last_event(ticket)
    assert (event.kind, event.actor) == ("reassigned", staff)
    assert event.payload["before"] == billing_agent.user_id
    assert event.payload["mode"] == "auto"


def test_reassign_without_another_eligible_agent_is_a_409_and_changes_nothing(
    as_user, staff, ticket, billing_agent, catalogue
):
    AgentFactory(department=catalogue["billing"].department, is_available=False)
    AgentFactory(department=catalogue["billing"].department, max_open_tickets=0)
    before = event_kinds(ticket)

    response = post(as_user(staff), ticket, "reassign")

    assert response.status_code == 409
    assert "agent" in response.json()
    assert Ticket.objects.get(pk=ticket.pk).assigned_to_id == billing_agent.user_id
    assert event_kinds(ticket) == before


@pytest.mark.parametrize("raw", ["[]", "false", "[1]", '"x"'])
def test_reassign_with_a_non_object_body_is_a_400_not_a_reroute(as_user, staff, ticket, raw):
    before = event_kinds(ticket)

    response = as_user(staff).post(
        ticket_url(ticket, "reassign"), raw, content_type="application/json"
    )

    assert response.status_code == 400, response.content
    assert "non_field_errors" in response.json()
    assert event_kinds(ticket) == before


def test_requester_cannot_reassign(as_user, requester, ticket):
    assert post(as_user(requester), ticket, "reassign").status_code == 403


# Transition

# The documented workflow, spelled out here rather than read from the code under test.
WORKFLOW = [
    ("OPEN", "IN_PROGRESS"), ("OPEN", "PENDING"), ("OPEN", "RESOLVED"), ("OPEN", "CLOSED"),
    ("IN_PROGRESS", "OPEN"), ("IN_PROGRESS", "PENDING"), ("IN_PROGRESS", "RESOLVED"),
    ("IN_PROGRESS", "CLOSED"),
    ("PENDING", "OPEN"), ("PENDING", "IN_PROGRESS"), ("PENDING", "RESOLVED"),
    ("PENDING", "CLOSED"),
    ("RESOLVED", "CLOSED"), ("RESOLVED", "OPEN"),
    ("CLOSED", "OPEN"),
]  # fmt: skip
FORBIDDEN = [
    (src, dst)
    for src in TicketStatus.values
    for dst in TicketStatus.values
    if (src, dst) not in WORKFLOW
]


@pytest.mark.parametrize(("src", "dst"), WORKFLOW, ids=[f"{s}->{d}" for s, d in WORKFLOW])
def test_every_allowed_move_succeeds_and_is_audited(as_user, billing_agent, catalogue, src, dst):
    ticket = TicketFactory(
        category=catalogue["billing"], status=src, assigned_to=billing_agent.user
    )

    response = post(as_user(billing_agent.user), ticket, "transition", {"status": dst})

    assert response.status_code == 200, response.data
    assert response.json()["status"] == dst
    assert Ticket.objects.get(pk=ticket.pk).status == dst
    event = last_event(ticket)
    assert (event.kind, event.actor) == ("status_changed", billing_agent.user)
    assert event.payload == {"before": src, "after": dst}


@pytest.mark.parametrize(("src", "dst"), FORBIDDEN, ids=[f"{s}->{d}" for s, d in FORBIDDEN])
def test_a_disallowed_move_is_a_409_listing_the_allowed_ones(as_user, staff, src, dst):
    ticket = TicketFactory(status=src)

    response = post(as_user(staff), ticket, "transition", {"status": dst})

    assert response.status_code == 409
    body = response.json()
    assert "status" in body
    assert sorted(body["allowed"]) == sorted(d for s, d in WORKFLOW if s == src)
    assert Ticket.objects.get(pk=ticket.pk).status == src
    assert not TicketEvent.objects.filter(ticket=ticket).exists()


@pytest.mark.parametrize("body", [{"status": "DONE"}, {}, {"status": "CLOSED", "note": "x"}])
def test_malformed_transition_is_a_400(as_user, staff, body):
    ticket = TicketFactory()

    response = post(as_user(staff), ticket, "transition", body)

    assert response.status_code == 400
    assert set(response.json()) & {"status", "note"}
    assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.OPEN


def test_requester_cannot_transition(as_user, requester, ticket):
    response = post(as_user(requester), ticket, "transition", {"status": "CLOSED"})

    assert response.status_code == 403
    assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.OPEN


def test_closing_frees_the_agent_for_the_next_ticket(as_user, staff, ticket, billing_agent):
    assert open_load(billing_agent) == 1
    post(as_user(staff), ticket, "transition", {"status": "CLOSED"})
    assert open_load(billing_agent) == 0


# Events


def test_events_are_the_audit_trail_in_order(as_user, requester, staff, ticket, billing_agent):
    post(as_user(staff), ticket, "transition", {"status": "IN_PROGRESS"})

    response = as_user(requester).get(ticket_url(ticket, "events"))

    assert response.status_code == 200
    events = response.json()
    assert [e["kind"] for e in events] == ["created", "classified", "assigned", "status_changed"]
    created, classified, assigned, moved = events
    assert created["actor"] == {"id": requester.pk, "username": "requester"}
    assert created["payload"] == {"title": "Facture impayée", "priority": "MEDIUM"}
    assert classified["actor"] is None
    assert classified["payload"]["category"] == "billing"
    assert classified["payload"]["classified_by"] == "keywords"
    assert assigned["actor"] is None
    assert assigned["payload"]["after"] == billing_agent.user_id
    assert assigned["payload"]["mode"] == "auto"
    assert moved["actor"]["id"] == staff.pk
    assert moved["payload"] == {"before": "OPEN", "after": "IN_PROGRESS"}


def test_events_of_an_invisible_ticket_are_a_404(as_user, other_requester, ticket):
    assert as_user(other_requester).get(ticket_url(ticket, "events")).status_code == 404


# Aliases


def test_singular_alias_behaves_like_the_plural(as_user, requester, billing_agent):
    client = as_user(requester)
    body = {"subject": "Facture impayée", "description": "Merci."}

    created = client.post("/api/ticket/", body, format="json")
    assert created.status_code == 201, created.data
    pk = created.json()["id"]

    listed = client.get("/api/ticket/").json()
    assert [row["id"] for row in listed["results"]] == [pk]
    assert client.get(f"/api/ticket/{pk}/").json() == client.get(f"/api/tickets/{pk}/").json()
    events = client.get(f"/api/ticket/{pk}/events/").json()
    assert [e["kind"] for e in events] == ["created", "classified", "assigned"]
    bad = client.post("/api/ticket/", {"title": ""}, format="json")
    assert bad.status_code == 400 and "title" in bad.json()


def test_alias_enforces_the_same_permissions(as_user, api_client, requester, other_requester):
    ticket = TicketFactory(created_by=requester)

    assert as_user(other_requester).get(f"/api/ticket/{ticket.pk}/").status_code == 404
    assert as_user(requester).delete(f"/api/ticket/{ticket.pk}/").status_code == 403
    api_client.force_authenticate(None)
    assert api_client.get("/api/ticket/").status_code == 401
