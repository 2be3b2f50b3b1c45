"""Time windows and buckets of the analytics: the bounds every figure is computed over.

A window of `days` days ends at `until` (now) and starts at `since = until - days`; both
bounds are inclusive. Trends select tickets by `created_at`, resolution times by
`resolved_at`. Day and week buckets follow settings.TIME_ZONE (weeks start on Monday); the
first and the last bucket of a series are usually partial.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Case, CharField, Value, When
from django.db.models.functions import TruncDay, TruncWeek
from django.utils import timezone

DEFAULT_DAYS = 30
MAX_DAYS = 3650
INTERVALS = ("day", "week")

# Age buckets of the backlog: (key, label, lower bound in days); a ticket falls in the last
# bucket whose lower bound its age reaches (age < 1 day, 1 <= age < 3, ... age >= 30 days).
AGE_BUCKETS = (
    ("lt_1d", "< 1 day", 0),
    ("1_3d", "1-3 days", 1),
    ("3_7d", "3-7 days", 3),
    ("7_30d", "7-30 days", 7),
    ("gt_30d", "> 30 days", 30),
)


@dataclass(frozen=True)
class Window:
    days: int
    since: datetime
    until: datetime

    @classmethod
    def ending(cls, *, days: int, now: datetime | None = None) -> "Window":
        until = now or timezone.now()
        return cls(days=days, since=until - timedelta(days=days), until=until)

    def lookup(self, field: str) -> dict:
        """Filter keywords selecting `field` inside the window, on its index."""
        return {f"{field}__gte": self.since, f"{field}__lte": self.until}


def bucket_expression(field: str, interval: str):
    """The start of the day or week of `field`, in the current time zone."""
    trunc = TruncWeek if interval == "week" else TruncDay
    return trunc(field, tzinfo=timezone.get_current_timezone())


def bucket_dates(window: Window, interval: str) -> list[date]:
    """Every bucket overlapping the window, as the local date it starts on."""
    first = timezone.localtime(window.since).date()
    last = timezone.localtime(window.until).date()
    step = timedelta(days=1)
    if interval == "week":
        first -= timedelta(days=first.weekday())
        step = timedelta(days=7)
    dates = []
    while first <= last:
        dates.append(first)
        first += step
    return dates


def bucket_date(value) -> date:
    """A truncated value from the database, as the local date its bucket starts on."""
    if isinstance(value, datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def age_bucket_expression(*, now: datetime, field: str = "created_at"):
    """Which AGE_BUCKETS key a ticket's age (now - field) falls in, computed by the database."""
    whens = [
        When(**{f"{field}__gt": now - timedelta(days=upper)}, then=Value(key))
        for (key, _label, _lower), (_next, _next_label, upper) in zip(
            AGE_BUCKETS, AGE_BUCKETS[1:], strict=False
        )
    ]
    return Case(*whens, default=Value(AGE_BUCKETS[-1][0]), output_field=CharField())
