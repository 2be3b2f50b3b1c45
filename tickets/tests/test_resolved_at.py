"""resolved_at follows the status whatever path changes it: API, service, admin, plain save()."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tickets import services
from tickets.models import Ticket, TicketStatus
from tickets.tests.api import ticket_url
from tickets.tests.factories import TicketFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/tickets/ticket/"


def reloaded(ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk)


def admin_change_form(client, ticket, **changes) -> dict:
    """The ticket's admin change form as the browser would post it, with `changes` applied."""
    page = client.get(f"{CHANGELIST}{ticket.pk}/change/")
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    for inline in page.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data.update({management.add_prefix(n): management[n].value() for n in management.fields})
    data.update(changes)
    return {k: "" if v is None else v for k, v in data.items()}


def via_api(client, ticket, status):
    response = client.post(ticket_url(ticket, "transition"), {"status": status}, format="json")
    assert response.status_code == 200, response.data
    return response.json()


def via_admin_form(client, ticket, status):
    response = client.post(
        f"{CHANGELIST}{ticket.pk}/change/", admin_change_form(client, ticket, status=status)
    )
    assert response.status_code == 302, response.context["adminform"].form.errors


def via_admin_action(client, ticket, status):
    response = client.post(
        CHANGELIST, {"action": f"mark_{status.lower()}", "_selected_action": [ticket.pk]}
    )
    assert response.status_code == 302


def test_api_sets_keeps_and_clears_resolved_at(as_user, staff):
    ticket = TicketFactory()
    client = as_user(staff)

    resolved = via_api(client, ticket, "RESOLVED")
    assert resolved["resolved_at"] is not None
    stamp = reloaded(ticket).resolved_at
    assert stamp is not None

    closed = via_api(client, ticket, "CLOSED")
    assert closed["resolved_at"] == resolved["resolved_at"]
    assert reloaded(ticket).resolved_at == stamp

    reopened = via_api(client, ticket, "OPEN")
    assert reopened["resolved_at"] is None
    assert reloaded(ticket).resolved_at is None


def test_service_sets_keeps_and_clears_resolved_at(staff):
    ticket = TicketFactory(status=TicketStatus.IN_PROGRESS)

    services.ticket_transition(ticket=ticket, status=TicketStatus.RESOLVED, actor=staff)
    stamp = reloaded(ticket).resolved_at
    assert stamp is not None and timezone.now() - stamp < timedelta(minutes=1)

    services.ticket_transition(ticket=ticket, status=TicketStatus.CLOSED, actor=staff)
    assert reloaded(ticket).resolved_at == stamp

    services.ticket_transition(ticket=ticket, status=TicketStatus.OPEN, actor=staff)
    assert reloaded(ticket).resolved_at is None

    services.ticket_transition(ticket=ticket, status=TicketStatus.RESOLVED, actor=staff)
    assert reloaded(ticket).resolved_at > stamp


def test_service_in_progress_after_reopen_has_no_resolved_at(staff):
    ticket = TicketFactory(status=TicketStatus.RESOLVED)
    assert reloaded(ticket).resolved_at is not None

    services.ticket_transition(ticket=ticket, status=TicketStatus.OPEN, actor=staff)
    services.ticket_transition(ticket=ticket, status=TicketStatus.IN_PROGRESS, actor=staff)

    assert reloaded(ticket).resolved_at is None


def test_admin_change_form_sets_keeps_and_clears_resolved_at(admin_client):
    ticket = TicketFactory()

    via_admin_form(admin_client, ticket, "RESOLVED")
    stamp = reloaded(ticket).resolved_at
    assert reloaded(ticket).status == TicketStatus.RESOLVED
    assert stamp is not None

    via_admin_form(admin_client, ticket, "CLOSED")
    assert reloaded(ticket).status == TicketStatus.CLOSED
    assert reloaded(ticket).resolved_at == stamp

    via_admin_form(admin_client, ticket, "OPEN")
    assert reloaded(ticket).status == TicketStatus.OPEN
    assert reloaded(ticket).resolved_at is None


def test_admin_actions_set_keep_and_clear_resolved_at(admin_client):
    ticket = TicketFactory(status=TicketStatus.IN_PROGRESS)

    via_admin_action(admin_client, ticket, "RESOLVED")
    stamp = reloaded(ticket).resolved_at
    assert reloaded(ticket).status == TicketStatus.RESOLVED
    assert stamp is not None

    via_admin_action(admin_client, ticket, "CLOSED")
    assert reloaded(ticket).resolved_at == stamp

    via_admin_action(admin_client, ticket, "OPEN")
    assert reloaded(ticket).status == TicketStatus.OPEN
    assert reloaded(ticket).resolved_at is None


@pytest.mark.parametrize("update_fields", [None, ["status"]], ids=["save()", "update_fields"])
def test_plain_save_keeps_resolved_at_consistent(update_fields):
    ticket = TicketFactory()

    def move(status):
        ticket.status = status
        ticket.save(update_fields=update_fields)
        return reloaded(ticket).resolved_at

    stamp = move(TicketStatus.RESOLVED)
    assert stamp is not None
    assert move(TicketStatus.CLOSED) == stamp
    assert move(TicketStatus.OPEN) is None
    assert move(TicketStatus.IN_PROGRESS) is None


def test_plain_save_of_an_already_resolved_ticket_keeps_its_stamp():
    stamp = timezone.now() - timedelta(days=3)
    ticket = TicketFactory(status=TicketStatus.RESOLVED, resolved_at=stamp)

    ticket.title = "Edited"
    ticket.save()

    assert reloaded(ticket).resolved_at == stamp


def test_open_ticket_cannot_be_saved_with_a_resolved_at():
    ticket = TicketFactory(resolved_at=timezone.now())

    assert reloaded(ticket).resolved_at is None
