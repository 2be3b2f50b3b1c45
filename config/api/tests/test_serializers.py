"""Output serializers build their fields once per class and still render every instance."""

import pytest

from tickets.serializers import TicketSerializer
from tickets.tests.factories import AgentFactory, TicketFactory

pytestmark = pytest.mark.django_db


def test_instances_get_their_own_copies_of_the_fields_built_once():
    first, second = TicketSerializer().fields, TicketSerializer().fields

    assert list(first) == list(second) == TicketSerializer.Meta.fields
    assert first["title"] is not second["title"]
    assert first["category"] is not second["category"]
    assert first["title"].parent is not second["title"].parent


def test_consecutive_renders_do_not_leak_into_each_other(catalogue):
    agent = AgentFactory(department=catalogue["billing"].department)
    assigned = TicketFactory(category=catalogue["billing"], assigned_to=agent.user)
    unassigned = TicketFactory(category=None, department=None, assigned_to=None)

    rows = [TicketSerializer(t).data for t in (assigned, unassigned, assigned)]

    assert rows[0]["assigned_to"] == {"id": agent.user_id, "username": agent.user.username}
    assert rows[0]["category"]["slug"] == "billing"
    assert rows[1]["assigned_to"] is None and rows[1]["category"] is None
    assert rows[2] == rows[0]
    assert [r["id"] for r in TicketSerializer([assigned, unassigned], many=True).data] == [
        assigned.pk,
        unassigned.pk,
    ]
