"""The admin shows whether a ticket is undated history (read-only) and filters on it."""

import pytest

from tickets.tests.factories import TicketFactory
from tickets.tests.test_resolved_at import admin_change_form

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/tickets/ticket/"


def test_the_changelist_filters_on_undated_history(admin_client, catalogue):
    dated = TicketFactory(title="Dated")
    undated = TicketFactory(title="Undated", is_undated_history=True)

    only_undated = admin_client.get(CHANGELIST, {"is_undated_history__exact": "1"})
    only_dated = admin_client.get(CHANGELIST, {"is_undated_history__exact": "0"})

    assert [t.pk for t in only_undated.context["cl"].result_list] == [undated.pk]
    assert [t.pk for t in only_dated.context["cl"].result_list] == [dated.pk]
    assert "By undated history" in only_undated.content.decode()


def test_the_ticket_page_shows_the_flag_but_cannot_change_it(admin_client, catalogue):
    ticket = TicketFactory(is_undated_history=True)
    url = f"{CHANGELIST}{ticket.pk}/change/"

    page = admin_client.get(url)
    assert "is_undated_history" not in page.context["adminform"].form.fields
    assert "Undated history" in page.content.decode()

    response = admin_client.post(
        url, admin_change_form(admin_client, ticket, is_undated_history="")
    )

    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.is_undated_history is True
