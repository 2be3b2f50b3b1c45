"""GET /api/analytics/trends/: tickets created per category, totals and time series."""

import pytest

from tickets.analytics.tests.conftest import NOW, ago, ticket_at

pytestmark = pytest.mark.django_db

URL = "/api/analytics/trends/"
LAST_8_DAYS = [f"2025-03-{day:02d}" for day in range(5, 13)]


@pytest.fixture
def timeline(catalogue):
    billing, bug, feature = catalogue["billing"], catalogue["bug"], catalogue["feature"]
    general = catalogue["other"].department
    for created in (ago(hours=1), ago(days=2), ago(days=6, hours=23)):
        ticket_at(created, category=billing)
    ticket_at(ago(days=3), category=bug)  # a Sunday: still the week of Monday 03-03
    ticket_at(ago(days=1), department=general)
    ticket_at(ago(days=1, hours=2), department=general)
    ticket_at(ago(days=7), category=billing)  # exactly on the lower bound of days=7
    ticket_at(ago(days=7, minutes=1), category=billing)
    ticket_at(ago(days=13), category=feature)
    ticket_at(ago(days=30), category=bug)


def test_empty_window_has_no_category_and_every_bucket_at_zero(staff_client):
    body = staff_client.get(URL, {"days": 7, "interval": "day"}).json()

    assert body["days"] == 7
    assert body["since"] == "2025-03-05T15:00:00Z"
    assert body["until"] == "2025-03-12T15:00:00Z"
    assert body["total"] == 0
    assert body["categories"] == []
    assert body["series"] == {"interval": "day", "buckets": LAST_8_DAYS, "categories": []}


def test_counts_per_category_with_uncategorised_and_inclusive_bounds(staff_client, timeline):
    body = staff_client.get(URL, {"days": 7}).json()

    assert body["total"] == 7
    assert body["categories"] == [
        {"key": "billing", "label": "Billing & payments", "count": 4},
        {"key": "uncategorised", "label": "Uncategorised", "count": 2},
        {"key": "bug", "label": "Technical issue", "count": 1},
    ]
    assert body["series"] is None


def test_default_window_is_30_days(staff_client, timeline):
    body = staff_client.get(URL).json()

    assert body["days"] == 30
    assert body["total"] == 10
    assert body["since"] == "2025-02-10T15:00:00Z"


def test_single_ticket(staff_client, catalogue):
    ticket_at(ago(hours=5), category=catalogue["account"])

    body = staff_client.get(URL, {"days": 1, "interval": "day"}).json()

    assert body["total"] == 1
    assert body["series"]["buckets"] == ["2025-03-11", "2025-03-12"]
    assert body["series"]["categories"] == [
        {"key": "account", "label": "Account & access", "count": 1, "counts": [0, 1]}
    ]


def test_daily_series_fills_empty_days_with_zero(staff_client, timeline):
    series = staff_client.get(URL, {"days": 7, "interval": "day"}).json()["series"]

    assert series["buckets"] == LAST_8_DAYS
    counts = {c["key"]: c["counts"] for c in series["categories"]}
    #                          05 06 07 08 09 10 11 12
    assert counts == {
        "billing": [2, 0, 0, 0, 0, 1, 0, 1],
        "uncategorised": [0, 0, 0, 0, 0, 0, 2, 0],
        "bug": [0, 0, 0, 0, 1, 0, 0, 0],
    }
    assert [c["key"] for c in series["categories"]] == ["billing", "uncategorised", "bug"]


def test_weekly_series_starts_on_monday(staff_client, timeline):
    series = staff_client.get(URL, {"days": 14, "interval": "week"}).json()["series"]

    assert series["buckets"] == ["2025-02-24", "2025-03-03", "2025-03-10"]
    counts = {c["key"]: c["counts"] for c in series["categories"]}
    assert counts == {
        "billing": [0, 3, 2],
        "uncategorised": [0, 0, 2],
        "bug": [0, 1, 0],
        "feature": [1, 0, 0],
    }


def test_buckets_follow_the_configured_time_zone(staff_client, settings, catalogue):
    settings.TIME_ZONE = "Europe/Rome"  # UTC+1 in March
    ticket_at(NOW.replace(hour=23, minute=30, day=10), category=catalogue["billing"])

    series = staff_client.get(URL, {"days": 7, "interval": "day"}).json()["series"]

    assert series["buckets"] == LAST_8_DAYS
    assert series["categories"][0]["counts"] == [0, 0, 0, 0, 0, 0, 1, 0]  # 11 March in Rome
