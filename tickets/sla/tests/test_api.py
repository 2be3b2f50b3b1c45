"""SLA over the API: policies (read by agents and staff, written by staff), the ticket list's
`sla` filter and its orderings by due instant."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tickets import services
from tickets.models import Priority, SlaPolicy, TicketStatus
from tickets.tests.factories import AgentFactory, CategoryFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

UTC = dt.UTC
CREATED = dt.datetime(2026, 5, 4, 8, 0, tzinfo=UTC)
POLICIES = "/api/sla/policies/"


@pytest.fixture
def billing(db):
    return CategoryFactory(slug="sla-billing")


def test_staff_manage_policies(as_user, billing, office_hours):
    client = as_user(StaffFactory())
    body = {
        "name": "Billing",
        "department": billing.department.slug,
        "calendar": office_hours.pk,
        "targets": {"HIGH": {"first_response_minutes": 120, "resolution_minutes": 960}},
        "escalation": "raise_priority",
    }

    created = client.post(POLICIES, body, format="json")
    assert created.status_code == 201, created.content
    policy = created.json()
    assert policy["targets"] == {"HIGH": {"first_response_minutes": 120, "resolution_minutes": 960}}
    assert policy["at_risk_share"] == 0.25

    changed = client.patch(f"{POLICIES}{policy['id']}/", {"at_risk_share": 0.5}, format="json")
    assert changed.status_code == 200
    assert SlaPolicy.objects.get().at_risk_share == 0.5
    assert client.delete(f"{POLICIES}{policy['id']}/").status_code == 204


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"targets": {"SOON": {}}}, "targets"),
        ({"targets": {"HIGH": {"first_response_minutes": 0}}}, "targets"),
        ({"targets": {"HIGH": {"first_response_minutes": True}}}, "targets"),
        ({"targets": {"HIGH": {"answer": 5}}}, "targets"),
        ({"at_risk_share": 1.5}, "at_risk_share"),
        ({"escalation": "panic"}, "escalation"),
        ({"department": "nowhere"}, "department"),
        ({"department": ""}, "department"),
        ({"calendar": ""}, "calendar"),
        ({"is_default": True, "department": "sla-dept"}, "is_default"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_a_bad_policy_is_a_400_naming_the_field(as_user, body, field):
    CategoryFactory(department__slug="sla-dept")
    response = as_user(StaffFactory()).post(POLICIES, {"name": "X", **body}, format="json")

    assert response.status_code == 400
    assert field in response.json()


def test_a_second_default_or_a_second_policy_for_a_department_is_a_400(as_user, make_policy):
    make_policy(name="Default", is_default=True)
    client = as_user(StaffFactory())

    response = client.post(POLICIES, {"name": "Other", "is_default": True}, format="json")

    assert response.status_code == 400
    assert SlaPolicy.objects.count() == 1


def test_agents_read_policies_requesters_do_not(as_user, billing, make_policy):
    make_policy(department=billing.department)
    agent = AgentFactory(department=billing.department)

    assert as_user(agent.user).get(POLICIES).status_code == 200
    assert as_user(agent.user).post(POLICIES, {"name": "Mine"}, format="json").status_code == 403
    assert as_user(UserFactory()).get(POLICIES).status_code == 403


def test_a_calendar_an_sla_policy_uses_cannot_be_deleted(as_user, office_hours, make_policy):
    make_policy(calendar=office_hours)

    response = as_user(StaffFactory()).delete(f"/api/calendars/{office_hours.pk}/")

    assert response.status_code == 409


@pytest.fixture
def queue(billing, make_policy):
    """Billing tickets seen at 12:00, all created around the clock from 08:00: one breached,
    one at risk (and waiting on the requester), two fine, and one without a policy."""
    from tickets.sla.services import sla_first_response_record

    make_policy(department=billing.department)
    staff = StaffFactory()

    def opened(priority, category=billing, minutes=0):
        with time_machine.travel(CREATED + dt.timedelta(minutes=minutes), tick=False):
            return services.ticket_create(
                title=f"{priority}",
                description="Wrong amount.",
                priority=priority,
                created_by=staff,
                category=category,
            )

    tickets = {
        "breached": opened(Priority.URGENT),  # resolution due 12:00
        # MEDIUM: first response due 12:00, at risk from 11:00; waiting since 11:30.
        "at_risk": opened(Priority.MEDIUM),
        # HIGH, answered at 09:45 (respond by 10:00); resolution at risk from 20:00.
        "answered": opened(Priority.HIGH),
        "ok": opened(Priority.LOW, minutes=120),  # respond by 18:00, at risk from 16:00
        "none": opened(Priority.HIGH, category=CategoryFactory(slug="sla-none")),
    }
    answered = tickets["answered"]
    reply = CREATED + dt.timedelta(minutes=105)
    answered.save(update_fields=sla_first_response_record(answered, reply))
    with time_machine.travel(CREATED + dt.timedelta(hours=3, minutes=30), tick=False):
        services.ticket_transition(
            ticket=tickets["at_risk"], status=TicketStatus.PENDING, actor=staff
        )
    return tickets


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_the_sla_filter(as_user, queue):
    client = as_user(StaffFactory())
    with time_machine.travel(CREATED + dt.timedelta(hours=4), tick=False):
        breached = ids(client.get("/api/tickets/", {"sla": "breached"}))
        at_risk = ids(client.get("/api/tickets/", {"sla": "at_risk"}))
        ok = ids(client.get("/api/tickets/", {"sla": "ok"}))

    assert breached == [queue["breached"].pk]
    assert at_risk == [queue["at_risk"].pk]  # paused at risk, still at risk
    assert sorted(ok) == sorted(queue[key].pk for key in ("answered", "ok", "none"))


def test_an_unknown_sla_state_is_a_400(as_user, queue):
    response = as_user(StaffFactory()).get("/api/tickets/", {"sla": "late"})

    assert response.status_code == 400
    assert "sla" in response.json()


def test_the_queue_in_order_of_what_is_due_first(as_user, queue):
    client = as_user(StaffFactory())
    with time_machine.travel(CREATED + dt.timedelta(hours=4), tick=False):
        by_resolution = ids(client.get("/api/tickets/", {"ordering": "resolution_due"}))
        by_response = ids(client.get("/api/tickets/", {"ordering": "first_response_due"}))

    resolution_order = sorted(
        (t for t in queue.values() if t.resolution_due), key=lambda t: t.resolution_due
    )
    assert by_resolution[: len(resolution_order)] == [t.pk for t in resolution_order]
    assert by_resolution[:4] == [
        queue[key].pk for key in ("breached", "answered", "at_risk", "ok")
    ]  # 12:00, then 00:00, 08:00 and 02:00 of the following days
    assert by_response[0] == queue["breached"].pk  # URGENT: respond by 09:00
    assert by_resolution[-1] == queue["none"].pk  # no due date: last


def test_the_list_with_sla_in_constant_queries(as_user, queue, billing):
    client = as_user(StaffFactory())
    client.get("/api/tickets/")  # the policies, read once per process

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/api/tickets/", {"sla": "ok"}).status_code == 200
        return len(captured)

    few = count()
    for _ in range(10):
        services.ticket_create(
            title="More",
            description="x",
            priority=Priority.HIGH,
            created_by=UserFactory(),
            category=billing,
        )
    assert count() == few <= 3
