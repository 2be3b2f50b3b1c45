"""/api/calendars/: staff keep working hours; agents read them; routing sees a change at once."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from agents.models import Calendar
from agents.tests.factories import AgentFactory, CalendarFactory
from tickets import services

pytestmark = pytest.mark.django_db

CALENDARS = "/api/calendars/"
ROME = ZoneInfo("Europe/Rome")
OFFICE = {
    "name": "Rome office",
    "time_zone": "Europe/Rome",
    "weekly_hours": {
        d: ["09:00-13:00", "14:00-17:30"] for d in ("mon", "tue", "wed", "thu", "fri")
    },
    "holidays": ["2025-12-24", "2025-12-24", "2025-12-31"],
    "holiday_country": "IT",
    "holiday_subdivision": "RM",
}


def test_staff_create_a_calendar(as_user, staff):
    response = as_user(staff).post(CALENDARS, OFFICE, format="json")

    assert response.status_code == 201, response.data
    body = response.json()
    assert body["holidays"] == ["2025-12-24", "2025-12-31"]
    assert body["weekly_hours"] == OFFICE["weekly_hours"]
    calendar = Calendar.objects.get(pk=body["id"])
    assert calendar.is_open_at(dt.datetime(2025, 3, 5, 10, 0, tzinfo=ROME))
    assert not calendar.is_open_at(dt.datetime(2025, 3, 5, 13, 30, tzinfo=ROME))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"time_zone": "Europe/Atlantis"}, "time_zone"),
        ({"weekly_hours": {"mon": ["18:00-09:00"]}}, "weekly_hours"),
        ({"weekly_hours": {"funday": ["09:00-17:00"]}}, "weekly_hours"),
        ({"weekly_hours": "Mon-Fri 9-17"}, "weekly_hours"),
        ({"holidays": ["Christmas"]}, "holidays"),
        ({"holiday_country": "ZZ"}, "holiday_country"),
        ({"holiday_subdivision": "XX"}, "holiday_subdivision"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_invalid_calendars_are_a_400_naming_the_field(as_user, staff, change, field):
    response = as_user(staff).post(CALENDARS, {**OFFICE, **change}, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not Calendar.objects.exists()


def test_agents_read_calendars_and_only_staff_write(as_user, billing_agent, staff):
    calendar = CalendarFactory()
    client = as_user(billing_agent.user)

    assert client.get(CALENDARS).status_code == 200
    assert client.get(f"{CALENDARS}{calendar.pk}/").json()["name"] == calendar.name
    assert client.post(CALENDARS, OFFICE, format="json").status_code == 403
    assert client.delete(f"{CALENDARS}{calendar.pk}/").status_code == 403


def test_a_calendar_in_use_cannot_be_deleted(as_user, staff, billing_agent):
    used = CalendarFactory()
    billing_agent.calendar = used
    billing_agent.save()
    unused = CalendarFactory()
    client = as_user(staff)

    assert client.delete(f"{CALENDARS}{used.pk}/").status_code == 409
    assert client.delete(f"{CALENDARS}{unused.pk}/").status_code == 204
    assert list(Calendar.objects.all()) == [used]


def test_routing_follows_a_calendar_changed_over_the_api(as_user, staff, requester, catalogue):
    department = catalogue["billing"].department
    calendar = CalendarFactory()
    office = AgentFactory(department=department, calendar=calendar)
    fallback = AgentFactory(department=department)

    evening = dt.datetime(2025, 3, 5, 20, 0, tzinfo=ROME)
    with time_machine.travel(evening, tick=False):
        first = services.ticket_create(title="Facture", description="x", created_by=requester)
        response = as_user(staff).patch(
            f"{CALENDARS}{calendar.pk}/", {"weekly_hours": {"wed": ["09:00-24:00"]}}, format="json"
        )
        assert response.status_code == 200, response.data
        assert response.json()["open_now"] is True
        second = services.ticket_create(title="Facture", description="x", created_by=requester)

    assert first.assigned_to_id == fallback.pk
    assert second.assigned_to_id == office.pk


def test_a_departments_calendar_is_set_over_the_api(as_user, staff, requester, catalogue):
    department = catalogue["billing"].department
    agent = AgentFactory(department=department)
    calendar = CalendarFactory()

    response = as_user(staff).patch(
        f"/api/departments/{department.pk}/", {"calendar": calendar.pk}, format="json"
    )

    assert response.status_code == 200, response.data
    assert response.json()["calendar"] == calendar.pk
    with time_machine.travel(dt.datetime(2025, 3, 8, 10, 0, tzinfo=ROME), tick=False):  # Saturday
        weekend = services.ticket_create(title="Facture", description="x", created_by=requester)
        row = as_user(staff).get(f"/api/agents/{agent.pk}/").json()
    assert weekend.assigned_to_id is None
    assert row["off_shift_until"] == "2025-03-10T08:00:00Z"  # Monday 09:00 in Rome
    assert (
        as_user(staff)
        .patch(f"/api/departments/{department.pk}/", {"calendar": 999_999}, format="json")
        .status_code
        == 400
    )
