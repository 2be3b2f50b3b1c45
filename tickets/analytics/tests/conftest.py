"""A fixed "now" and a compact way to lay tickets out on a timeline around it."""

from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest

from tickets.models import Priority, TicketStatus
from tickets.tests.factories import TicketFactory

# A Wednesday afternoon; day buckets of the last 7 days run from 2025-03-05 to 2025-03-12.
NOW = datetime(2025, 3, 12, 15, 0, tzinfo=UTC)

HOUR = 3600
DAY = 24 * HOUR


def ago(*, days: float = 0, hours: float = 0, minutes: float = 0) -> datetime:
    return NOW - timedelta(days=days, hours=hours, minutes=minutes)


def ticket_at(
    created: datetime,
    *,
    category=None,
    resolved: datetime | None = None,
    status: str | None = None,
    priority: int = Priority.MEDIUM,
    assigned_to=None,
    **fields,
):
    """A ticket created at `created`; with `resolved`, RESOLVED then (unless `status` says
    CLOSED). Inserted directly: the history under test, not a change made now."""
    if status is None:
        status = TicketStatus.RESOLVED if resolved else TicketStatus.OPEN
    return TicketFactory(
        category=category,
        created_at=created,
        resolved_at=resolved,
        status=status,
        priority=priority,
        assigned_to=assigned_to,
        **fields,
    )


@pytest.fixture
def frozen_now():
    """timezone.now() answers NOW, for the views and for the services' resolved_at."""
    with mock.patch("django.utils.timezone.now", return_value=NOW) as now:
        yield now


@pytest.fixture
def staff_client(as_user, staff, frozen_now):
    return as_user(staff)
