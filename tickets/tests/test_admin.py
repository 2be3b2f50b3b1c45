"""The admin: changelists, the ticket page with its events, changes through the services."""

import re

import pytest

from tickets import services
from tickets.models import Ticket, TicketEvent, TicketStatus
from tickets.tests.api import event_kinds, last_event
from tickets.tests.factories import AgentFactory, TicketFactory
from tickets.tests.test_resolved_at import admin_change_form

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/tickets/ticket/"


@pytest.fixture
def ticket(requester, billing_agent):
    return services.ticket_create(
        title="Facture impayée", description="Ma facture est impayée.", created_by=requester
    )


@pytest.mark.parametrize(
    "url",
    [
        "/admin/",
        "/admin/tickets/ticket/",
        "/admin/tickets/category/",
        "/admin/agents/agent/",
        "/admin/agents/department/",
    ],
)
def test_staff_open_the_changelists(admin_client, ticket, url):
    assert admin_client.get(url).status_code == 200


def test_ticket_changelist_lists_the_ticket(admin_client, ticket):
    response = admin_client.get(CHANGELIST)

    assert [t.pk for t in response.context["cl"].result_list] == [ticket.pk]
    assert "Facture impayée" in response.content.decode()


def test_ticket_changelist_filters_and_search_work(admin_client, ticket):
    TicketFactory(title="Something else", status=TicketStatus.CLOSED)

    by_status = admin_client.get(CHANGELIST, {"status__exact": "OPEN"})
    by_search = admin_client.get(CHANGELIST, {"q": "impayée"})

    assert [t.pk for t in by_status.context["cl"].result_list] == [ticket.pk]
    assert [t.pk for t in by_search.context["cl"].result_list] == [ticket.pk]


def test_agent_changelist_shows_each_agents_open_load(admin_client, catalogue):
    agent = AgentFactory(department=catalogue["billing"].department)
    for status in ["OPEN", "OPEN", "IN_PROGRESS", "RESOLVED", "CLOSED"]:
        TicketFactory(assigned_to=agent.user, status=status)

    html = admin_client.get("/admin/agents/agent/").content.decode()

    assert "Open tickets" in html
    cells = re.findall(r'<td class="field-open_load">(\d+)</td>', html)
    assert cells == ["3"]


def test_agent_changelist_can_sort_by_load(admin_client, catalogue):
    idle, busy = AgentFactory.create_batch(2, department=catalogue["billing"].department)
    TicketFactory.create_batch(2, assigned_to=busy.user)

    def ordered(o):
        response = admin_client.get("/admin/agents/agent/", {"o": o})
        assert response.status_code == 200
        return [a.pk for a in response.context["cl"].result_list]

    # Column 5 is "Open tickets" (column 0 holds the action checkboxes).
    assert ordered("-5") == [busy.pk, idle.pk]
    assert ordered("5") == [idle.pk, busy.pk]


def test_ticket_change_page_shows_its_events(admin_client, ticket):
    response = admin_client.get(f"{CHANGELIST}{ticket.pk}/change/")

    assert response.status_code == 200
    (events,) = response.context["inline_admin_formsets"]
    shown = [form.instance.kind for form in events.formset.forms]
    assert shown == ["created", "classified", "assigned"]
    assert "Classified" in response.content.decode()


def test_category_changelist_counts_keywords(admin_client, catalogue):
    html = admin_client.get("/admin/tickets/category/").content.decode()

    expected = len(catalogue["billing"].keywords)
    assert f'<td class="field-keyword_count">{expected}</td>' in html


def test_change_form_status_change_goes_through_the_service(admin_client, admin_user, ticket):
    data = admin_change_form(admin_client, ticket, status="IN_PROGRESS")

    response = admin_client.post(f"{CHANGELIST}{ticket.pk}/change/", data)

    assert response.status_code == 302
    assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.IN_PROGRESS
    event = last_event(ticket)
    assert (event.kind, event.actor) == ("status_changed", admin_user)
    assert event.payload == {"before": "OPEN", "after": "IN_PROGRESS"}


def test_change_form_disallowed_status_is_refused_with_a_message(admin_client, catalogue):
    ticket = TicketFactory(category=catalogue["billing"], status=TicketStatus.CLOSED)
    data = admin_change_form(admin_client, ticket, status="RESOLVED")

    response = admin_client.post(f"{CHANGELIST}{ticket.pk}/change/", data, follow=True)

    assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.CLOSED
    assert not TicketEvent.objects.filter(ticket=ticket).exists()
    # The form is shown again with the reason next to the field, and no success message.
    assert response.status_code == 200
    errors = refusal_reasons(response)
    assert any("Cannot go from CLOSED to RESOLVED" in e for e in errors.get("status", [])), errors
    messages = [str(m) for m in response.context["messages"]]
    assert not any("changed successfully" in m for m in messages), messages


def test_change_form_priority_and_assignee_are_audited(admin_client, ticket, tech_agent):
    data = admin_change_form(admin_client, ticket, priority=40, assigned_to=tech_agent.user_id)

    response = admin_client.post(f"{CHANGELIST}{ticket.pk}/change/", data)

    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.assigned_to_id == tech_agent.user_id
    assert event_kinds(ticket)[-2:] == ["priority_changed", "reassigned"]


def refusal_reasons(response) -> dict:
    """The change form's field errors, when the admin showed the form again."""
    adminform = response.context.get("adminform")
    return dict(adminform.form.errors) if adminform else {}


IGNORED_CHANGES = {
    "assignee cleared": ("assigned_to", lambda requester: ""),
    "assignee not an agent": ("assigned_to", lambda requester: requester.pk),
    "category cleared": ("category", lambda requester: ""),
}


@pytest.mark.parametrize(("field", "value"), IGNORED_CHANGES.values(), ids=IGNORED_CHANGES)
def test_a_change_the_admin_does_not_make_is_not_reported_as_done(
    admin_client, ticket, requester, field, value
):
    def stored():
        return Ticket.objects.filter(pk=ticket.pk).values_list(field, flat=True).get()

    before = stored()
    data = admin_change_form(admin_client, ticket, **{field: value(requester)})

    response = admin_client.post(f"{CHANGELIST}{ticket.pk}/change/", data, follow=True)

    messages = [str(m) for m in response.context["messages"]]
    if stored() == before:  # refusing is fine, as long as the admin says so
        assert not any("changed successfully" in m for m in messages), messages
        assert messages or refusal_reasons(response).get(field), (
            "the admin gave no reason for ignoring the change"
        )


def test_add_form_creates_a_classified_routed_ticket(admin_client, admin_user, billing_agent):
    data = {"title": "Facture impayée", "description": "Ma facture.", "status": "OPEN"}
    data.update({"priority": 20, "category": "", "assigned_to": ""})
    data.update({"events-TOTAL_FORMS": 0, "events-INITIAL_FORMS": 0})

    response = admin_client.post(f"{CHANGELIST}add/", data)

    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.category.slug == "billing"
    assert ticket.assigned_to_id == billing_agent.user_id
    assert ticket.created_by == admin_user
    assert event_kinds(ticket) == ["created", "classified", "assigned"]


def test_bulk_resolve_action_sets_resolved_at_and_writes_events(admin_client, admin_user):
    movable = [TicketFactory(), TicketFactory(status=TicketStatus.IN_PROGRESS)]
    stuck = TicketFactory(status=TicketStatus.CLOSED)
    selected = [t.pk for t in [*movable, stuck]]

    response = admin_client.post(
        CHANGELIST, {"action": "mark_resolved", "_selected_action": selected}, follow=True
    )

    assert response.status_code == 200
    for ticket in movable:
        ticket.refresh_from_db()
        assert ticket.status == TicketStatus.RESOLVED
        assert ticket.resolved_at is not None
        event = last_event(ticket)
        assert (event.kind, event.actor) == ("status_changed", admin_user)
        assert event.payload["after"] == "RESOLVED"
    stuck.refresh_from_db()
    assert (stuck.status, stuck.resolved_at) == (TicketStatus.CLOSED, None)
    messages = [str(m) for m in response.context["messages"]]
    assert "2 ticket(s) moved to RESOLVED." in messages
    assert any(m.startswith(f"#{stuck.pk}:") for m in messages)


def test_the_bulk_action_is_offered_under_its_name(admin_client):
    TicketFactory()

    html = admin_client.get(CHANGELIST).content.decode()

    assert "Move selected tickets to RESOLVED" in html


def test_non_staff_user_is_sent_to_the_admin_login(client, requester):
    client.force_login(requester)

    response = client.get(CHANGELIST)

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
