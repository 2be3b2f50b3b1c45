"""GET, PUT, PATCH and DELETE /api/tickets/{id}/."""

import pytest

from tickets import services
from tickets.models import ClassifiedBy, Priority, Ticket, TicketEvent
from tickets.tests.api import event_kinds, last_event, ticket_url
from tickets.tests.factories import AgentFactory, CategoryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(requester, billing_agent):
    """A billing ticket opened by the requester, routed to the billing agent."""
    return services.ticket_create(
        title="Facture impayée", description="Ma facture est impayée.", created_by=requester
    )


# Retrieve


def test_creator_reads_their_ticket(as_user, requester, ticket, billing_agent):
    response = as_user(requester).get(ticket_url(ticket))

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == ticket.pk
    assert body["category"]["slug"] == "billing"
    assert body["assigned_to"]["id"] == billing_agent.user_id


def test_the_lists_filters_do_not_apply_to_one_ticket(as_user, requester, ticket):
    client = as_user(requester)
    for query in ("?status=CLOSED", "?search=nothing-like-it", "?ordering=nonsense"):
        response = client.get(ticket_url(ticket) + query)
        assert response.status_code == 200, (query, response.content)
        assert response.json()["id"] == ticket.pk


def test_another_requesters_ticket_is_a_404(as_user, other_requester, ticket):
    response = as_user(other_requester).get(ticket_url(ticket))

    assert response.status_code == 404
    assert "detail" in response.json()


def test_agent_of_another_department_gets_a_404(as_user, tech_agent, ticket):
    assert as_user(tech_agent.user).get(ticket_url(ticket)).status_code == 404


def test_agent_of_the_department_reads_it(as_user, catalogue, ticket):
    colleague = AgentFactory(department=catalogue["billing"].department)

    assert as_user(colleague.user).get(ticket_url(ticket)).status_code == 200


@pytest.mark.parametrize("pk", ["999999", "abc", "9" * 19, "-1"])
def test_unknown_or_malformed_id_is_a_json_404(as_user, staff, pk):
    response = as_user(staff).get(f"/api/tickets/{pk}/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert "detail" in response.json()


# Update


def test_agent_changes_priority_and_it_is_audited(as_user, billing_agent, ticket):
    response = as_user(billing_agent.user).patch(
        ticket_url(ticket), {"priority": "URGENT"}, format="json"
    )

    assert response.status_code == 200, response.data
    assert response.json()["priority"] == "URGENT"
    ticket.refresh_from_db()
    assert ticket.priority == Priority.URGENT
    event = last_event(ticket)
    assert event.kind == "priority_changed"
    assert event.payload == {"before": "MEDIUM", "after": "URGENT"}
    assert event.actor == billing_agent.user


def test_staff_puts_new_text(as_user, staff, ticket):
    body = {"title": "Invoice unpaid", "description": "March invoice.", "priority": "LOW"}

    response = as_user(staff).put(ticket_url(ticket), body, format="json")

    assert response.status_code == 200, response.data
    assert {k: response.json()[k] for k in body} == body
    event = TicketEvent.objects.get(ticket=ticket, kind="updated")
    assert event.payload["changes"]["title"] == {
        "before": "Facture impayée",
        "after": body["title"],
    }
    assert event.actor == staff


def test_put_without_the_text_fields_is_a_400(as_user, staff, ticket):
    response = as_user(staff).put(ticket_url(ticket), {"priority": "LOW"}, format="json")

    assert response.status_code == 400
    assert {"title", "description"} <= set(response.json())


def test_category_change_moves_department_and_reroutes(as_user, staff, ticket, tech_agent):
    response = as_user(staff).patch(ticket_url(ticket), {"category": "bug"}, format="json")

    assert response.status_code == 200, response.data
    body = response.json()
    assert body["category"]["slug"] == "bug"
    assert body["department"]["slug"] == "technical"
    assert body["classified_by"] == ClassifiedBy.MANUAL
    assert body["confidence"] is None
    assert body["assigned_to"]["id"] == tech_agent.user_id
    changed = TicketEvent.objects.get(ticket=ticket, kind="category_changed")
    assert changed.payload == {
        "before": {"category": "billing", "department": "billing"},
        "after": {"category": "bug", "department": "technical"},
    }
    assert changed.actor == staff
    assert event_kinds(ticket)[-2:] == ["category_changed", "reassigned"]


def test_category_change_keeps_an_assignee_who_works_in_the_new_department(
    as_user, staff, ticket, tech_agent
):
    services.ticket_assign(ticket=ticket, user_id=tech_agent.user_id, actor=staff)

    response = as_user(staff).patch(ticket_url(ticket), {"category": "bug"}, format="json")

    assert response.status_code == 200
    assert response.json()["assigned_to"]["id"] == tech_agent.user_id
    assert event_kinds(ticket)[-1] == "category_changed"


def test_category_change_within_the_department_keeps_the_assignee(
    as_user, staff, ticket, catalogue, billing_agent
):
    refunds = CategoryFactory(slug="refunds", department=catalogue["billing"].department)

    response = as_user(staff).patch(ticket_url(ticket), {"category": "refunds"}, format="json")

    assert response.status_code == 200
    assert response.json()["category"]["id"] == refunds.pk
    assert response.json()["assigned_to"]["id"] == billing_agent.user_id


def test_agent_may_move_a_ticket_out_of_their_department(as_user, billing_agent, ticket):
    response = as_user(billing_agent.user).patch(
        ticket_url(ticket), {"category": "bug"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["department"]["slug"] == "technical"
    # Having moved it away, they no longer see it.
    assert as_user(billing_agent.user).get(ticket_url(ticket)).status_code == 404


def test_requester_cannot_edit_even_their_own_ticket(as_user, requester, ticket):
    response = as_user(requester).patch(ticket_url(ticket), {"priority": "URGENT"}, format="json")

    assert response.status_code == 403
    ticket.refresh_from_db()
    assert ticket.priority == Priority.MEDIUM


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"category": "no-such-category"}, "category"),
        ({"priority": "CRITICAL"}, "priority"),
        ({"title": ""}, "title"),
        ({"status": "DONE"}, "status"),
        ({"assigned_to": "seven"}, "assigned_to"),
        ({"assigned_to": {"username": "billing-agent"}}, "assigned_to"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_invalid_update_is_a_400_and_changes_nothing(as_user, staff, ticket, body, field):
    before = event_kinds(ticket)

    response = as_user(staff).patch(ticket_url(ticket), body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert event_kinds(ticket) == before
    assert Ticket.objects.get(pk=ticket.pk).category.slug == "billing"


def test_read_only_fields_are_ignored_not_written(as_user, staff, ticket):
    body = {"department": {"slug": "technical"}, "classified_by": "manual", "priority": "HIGH"}

    response = as_user(staff).patch(ticket_url(ticket), body, format="json")

    assert response.status_code == 200, response.data
    assert response.json()["department"]["slug"] == "billing"
    assert response.json()["classified_by"] == ClassifiedBy.KEYWORDS
    assert response.json()["priority"] == "HIGH"


def test_patch_with_the_same_values_writes_no_event(as_user, staff, ticket):
    before = event_kinds(ticket)

    response = as_user(staff).patch(
        ticket_url(ticket), {"priority": "MEDIUM", "category": "billing"}, format="json"
    )

    assert response.status_code == 200
    assert event_kinds(ticket) == before


# Delete


def test_staff_delete_removes_the_ticket_and_its_events(as_user, staff, ticket):
    response = as_user(staff).delete(ticket_url(ticket))

    assert response.status_code == 204
    assert not Ticket.objects.filter(pk=ticket.pk).exists()
    assert not TicketEvent.objects.filter(ticket_id=ticket.pk).exists()


@pytest.mark.parametrize("who", ["billing_agent", "requester"])
def test_only_staff_may_delete(request, as_user, ticket, who):
    user = request.getfixturevalue(who)

    response = as_user(getattr(user, "user", user)).delete(ticket_url(ticket))

    assert response.status_code == 403
    assert Ticket.objects.filter(pk=ticket.pk).exists()


def test_deleting_an_unknown_ticket_is_a_404(as_user, staff):
    assert as_user(staff).delete(ticket_url(999999)).status_code == 404
