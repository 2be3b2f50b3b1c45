"""A tampered keyset cursor (config/api/pagination.py) is a 400 naming `cursor`, never a 500.

The cursor carries the (created_at, id) of the row a page follows. Its time is an ISO 8601
string with a UTC offset: at the ends of the calendar an offset takes the instant out of the
years Python holds once in UTC, which SQLite's adapter converts to (OverflowError, a 500)."""

import base64
import json
from datetime import UTC, datetime

import pytest

from config.api.pagination import KeysetPagination
from tickets.tests.api import TICKETS
from tickets.tests.factories import TicketFactory

pytestmark = pytest.mark.django_db


def tampered(created_at: str, pk: int = 1, backwards: bool = False) -> str:
    raw = json.dumps([created_at, pk, backwards]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    "created_at",
    [
        "0001-01-01T00:00:00+05:00",  # before year 1 in UTC
        "0001-01-01T00:00:00+23:59",
        "9999-12-31T23:59:59-05:00",  # after year 9999 in UTC
        "9999-12-31T23:59:59.999999-23:59",
    ],
)
@pytest.mark.parametrize("backwards", [False, True])
def test_a_cursor_beyond_the_calendar_is_a_400_naming_the_cursor(
    as_user, staff, created_at, backwards
):
    TicketFactory()

    response = as_user(staff).get(TICKETS, {"cursor": tampered(created_at, 1, backwards)})

    assert response.status_code == 400, response.content
    assert response.json() == {"cursor": ["Invalid cursor."]}


def test_the_ends_of_the_calendar_in_utc_still_page(as_user, staff):
    """The bound is the calendar, no narrower: the widest cursors still page (a guard for the
    fix; it passes before it too)."""
    TicketFactory()
    client = as_user(staff)

    newest = KeysetPagination.cursor_encode(datetime.max.replace(tzinfo=UTC), 2**63 - 1)
    oldest = KeysetPagination.cursor_encode(datetime.min.replace(tzinfo=UTC), 1)

    # Newest first: after the end of time comes every ticket, after its start none.
    assert len(client.get(TICKETS, {"cursor": newest}).json()["results"]) == 1
    assert client.get(TICKETS, {"cursor": oldest}).json()["results"] == []
