"""GET /api/tickets/: pagination, filters, search, ordering and who sees what."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tickets.models import Priority, TicketStatus
from tickets.tests.api import TICKETS
from tickets.tests.factories import TicketFactory

pytestmark = pytest.mark.django_db


def listed(client, params=None) -> list[int]:
    """The ids on the first page of the list (page size 100), asserting a 200."""
    response = client.get(TICKETS, {"page_size": 100, **(params or {})})
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def ids(*tickets) -> set[int]:
    return {t.pk for t in tickets}


@pytest.fixture
def staff_client(as_user, staff):
    return as_user(staff)


def test_list_is_paginated(staff_client):
    tickets = TicketFactory.create_batch(3)

    first = staff_client.get(TICKETS, {"page_size": 2}).json()
    second = staff_client.get(TICKETS, {"page_size": 2, "page": 2}).json()

    assert set(first) == {"count", "next", "previous", "results"}
    assert first["count"] == 3
    assert len(first["results"]) == 2
    assert first["previous"] is None
    assert "page=2" in first["next"]
    assert second["next"] is None and second["previous"] is not None
    seen = [row["id"] for row in first["results"] + second["results"]]
    assert sorted(seen) == sorted(t.pk for t in tickets)


def test_page_size_is_capped_at_100(staff_client):
    TicketFactory.create_batch(101)

    body = staff_client.get(TICKETS, {"page_size": 100}).json()
    too_large = staff_client.get(TICKETS, {"page_size": 1000})

    assert body["count"] == 101
    assert len(body["results"]) == 100
    assert too_large.status_code == 400
    assert "between 1 and 100" in too_large.json()["page_size"][0]


def test_page_out_of_range_is_a_404(staff_client):
    TicketFactory()

    assert staff_client.get(TICKETS, {"page": 5}).status_code == 404


def test_default_order_is_newest_first(staff_client):
    now = timezone.now()
    old = TicketFactory(created_at=now - timedelta(days=2))
    new = TicketFactory(created_at=now)
    middle = TicketFactory(created_at=now - timedelta(days=1))

    assert listed(staff_client) == [new.pk, middle.pk, old.pk]
    assert listed(staff_client, {"ordering": "created_at"}) == [old.pk, middle.pk, new.pk]


def test_ordering_by_priority_follows_urgency_not_the_alphabet(staff_client):
    by_priority = {p: TicketFactory(priority=p) for p in Priority}

    ascending = listed(staff_client, {"ordering": "priority"})
    descending = listed(staff_client, {"ordering": "-priority"})

    urgency = [by_priority[p].pk for p in (Priority.LOW, Priority.MEDIUM, Priority.HIGH)]
    assert ascending == [*urgency, by_priority[Priority.URGENT].pk]
    assert descending == list(reversed(ascending))
    rows = staff_client.get(TICKETS, {"ordering": "-priority"}).json()["results"]
    assert [row["priority"] for row in rows] == ["URGENT", "HIGH", "MEDIUM", "LOW"]


def test_filter_by_one_or_several_statuses(staff_client):
    tickets = {s: TicketFactory(status=s) for s in TicketStatus.values}

    assert listed(staff_client, {"status": "OPEN"}) == [tickets["OPEN"].pk]
    both = listed(staff_client, {"status": ["OPEN", "CLOSED"]})
    assert set(both) == ids(tickets["OPEN"], tickets["CLOSED"])


def test_unknown_status_filter_is_a_400(staff_client):
    response = staff_client.get(TICKETS, {"status": "DONE"})

    assert response.status_code == 400
    assert "status" in response.json()


def test_filter_by_priority_names(staff_client):
    low = TicketFactory(priority=Priority.LOW)
    urgent = TicketFactory(priority=Priority.URGENT)
    TicketFactory(priority=Priority.MEDIUM)

    assert listed(staff_client, {"priority": "URGENT"}) == [urgent.pk]
    assert set(listed(staff_client, {"priority": ["LOW", "URGENT"]})) == ids(low, urgent)
    assert staff_client.get(TICKETS, {"priority": "40"}).status_code == 400


def test_filter_by_category_slug_id_or_none(staff_client, catalogue):
    billing = TicketFactory(category=catalogue["billing"])
    bug = TicketFactory(category=catalogue["bug"])
    uncategorised = TicketFactory()

    assert listed(staff_client, {"category": "billing"}) == [billing.pk]
    assert listed(staff_client, {"category": str(catalogue["bug"].pk)}) == [bug.pk]
    assert listed(staff_client, {"category": "none"}) == [uncategorised.pk]
    assert listed(staff_client, {"category": "no-such-category"}) == []


def test_filter_by_department(staff_client, catalogue):
    billing = TicketFactory(category=catalogue["billing"])
    bug = TicketFactory(category=catalogue["bug"])

    assert listed(staff_client, {"department": "billing"}) == [billing.pk]
    assert listed(staff_client, {"department": str(bug.department_id)}) == [bug.pk]


def test_filter_by_assignee(as_user, billing_agent, tech_agent, catalogue):
    billing = catalogue["billing"]
    mine = TicketFactory(category=billing, assigned_to=billing_agent.user)
    unassigned = TicketFactory(category=billing)
    colleague = TicketFactory(category=billing, assigned_to=tech_agent.user)
    client = as_user(billing_agent.user)

    assert listed(client, {"assigned_to": "me"}) == [mine.pk]
    assert listed(client, {"assigned_to": "none"}) == [unassigned.pk]
    assert listed(client, {"assigned_to": str(tech_agent.user_id)}) == [colleague.pk]


def test_malformed_assignee_filter_is_a_400_naming_it(staff_client):
    response = staff_client.get(TICKETS, {"assigned_to": "xyz"})

    assert response.status_code == 400
    assert "assigned_to" in response.json()


def test_filter_created_by_me(as_user, requester, billing_agent, catalogue):
    own = TicketFactory(category=catalogue["billing"], created_by=billing_agent.user)
    TicketFactory(category=catalogue["billing"], created_by=requester)

    assert listed(as_user(billing_agent.user), {"created_by": "me"}) == [own.pk]


def test_filter_by_creation_window(staff_client):
    now = timezone.now()
    old = TicketFactory(created_at=now - timedelta(days=10))
    recent = TicketFactory(created_at=now - timedelta(days=1))
    cut = (now - timedelta(days=5)).isoformat()

    assert listed(staff_client, {"created_after": cut}) == [recent.pk]
    assert listed(staff_client, {"created_before": cut}) == [old.pk]
    assert listed(staff_client, {"created_after": "2000-01-01", "created_before": cut}) == [old.pk]
    assert staff_client.get(TICKETS, {"created_after": "yesterday"}).status_code == 400


def test_search_matches_title_and_description(staff_client):
    in_title = TicketFactory(title="Zebra stripes missing")
    in_description = TicketFactory(description="The ZEBRA export is empty.")
    TicketFactory(title="Nothing to see")

    assert set(listed(staff_client, {"search": "zebra"})) == ids(in_title, in_description)


def test_requester_sees_only_their_own_tickets(as_user, requester, other_requester):
    own = TicketFactory(created_by=requester)
    TicketFactory(created_by=other_requester)

    client = as_user(requester)
    assert listed(client) == [own.pk]
    assert client.get(TICKETS).json()["count"] == 1


def test_agent_sees_their_department_and_tickets_assigned_to_them(
    as_user, billing_agent, tech_agent, catalogue
):
    department = TicketFactory(category=catalogue["billing"])
    assigned_elsewhere = TicketFactory(category=catalogue["bug"], assigned_to=billing_agent.user)
    TicketFactory(category=catalogue["bug"], assigned_to=tech_agent.user)
    TicketFactory(category=catalogue["account"])

    visible = listed(as_user(billing_agent.user))

    assert set(visible) == ids(department, assigned_elsewhere)


def test_staff_see_every_ticket(staff_client, requester, other_requester, catalogue):
    tickets = [
        TicketFactory(created_by=requester),
        TicketFactory(created_by=other_requester, category=catalogue["bug"]),
        TicketFactory(created_by=None),
    ]

    assert set(listed(staff_client)) == ids(*tickets)


def test_anonymous_list_is_a_401(api_client):
    assert api_client.get(TICKETS).status_code == 401
