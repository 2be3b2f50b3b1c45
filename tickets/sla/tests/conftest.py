"""Fixtures of the SLA tests: a business-hours calendar in Rome, departments with policies."""

import pytest

from agents.tests.factories import CalendarFactory
from tickets.models import EscalationAction, SlaPolicy

# Targets of the tests, in minutes: HIGH 2 h / 16 h, LOW 8 h / 40 h, URGENT 1 h / 4 h.
TARGETS = {
    "LOW": {"first_response_minutes": 8 * 60, "resolution_minutes": 40 * 60},
    "MEDIUM": {"first_response_minutes": 4 * 60, "resolution_minutes": 24 * 60},
    "HIGH": {"first_response_minutes": 2 * 60, "resolution_minutes": 16 * 60},
    "URGENT": {"first_response_minutes": 60, "resolution_minutes": 4 * 60},
}


@pytest.fixture
def office_hours(db):
    """Monday to Friday 09:00-17:00 in Rome, closed on Christmas Day 2026 (a Friday)."""
    return CalendarFactory(
        name="Rome office",
        time_zone="Europe/Rome",
        weekly_hours={day: ["09:00-17:00"] for day in ("mon", "tue", "wed", "thu", "fri")},
        holidays=["2026-12-25"],
    )


@pytest.fixture
def make_policy(db):
    def make(**kwargs) -> SlaPolicy:
        kwargs.setdefault("name", f"Policy {SlaPolicy.objects.count() + 1}")
        kwargs.setdefault("targets", TARGETS)
        kwargs.setdefault("escalation", EscalationAction.FLAG)
        return SlaPolicy.objects.create(**kwargs)

    return make
