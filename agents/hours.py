"""Working hours in plain Python (no Django): when a calendar is open, exactly, across nights,
weekends, holidays and daylight-saving changes.

Routing asks whether an agent is on shift now; the SLA work will ask how many business seconds
lie between two instants and when a deadline falls. Both read a `WorkingHours`, built from a
`agents.models.Calendar` row (or directly, in tests).

Hours are wall-clock times in the calendar's IANA time zone, per weekday: "09:00-17:30",
"24:00" closing a day. A local day's intervals become absolute instants through zoneinfo, so a
day that springs forward is an hour shorter and one that falls back an hour longer. A time the
clock skips (02:30 on a spring-forward night) counts as the instant it would be in the offset
before the change (an hour later on the clock); a time the clock shows twice counts as its
first occurrence. An interval runs within one local day: a night shift is "22:00-24:00" on
one day and "00:00-06:00" on the next, and a holiday closes the whole of its local day.
"""

import datetime as dt
import functools
import re
import zoneinfo
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_INTERVALS_PER_DAY = 12
MAX_HOLIDAYS = 1000
# How far ahead next_open_at and add_business_seconds look: longer than any run of holidays.
SEARCH_DAYS = 3 * 366

_INTERVAL = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])-([01][0-9]|2[0-3]|24):([0-5][0-9])$")
_UTC = dt.UTC


class HoursError(ValueError):
    """A calendar's definition is invalid; `field` names the offending part."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def time_zone_parse(name) -> zoneinfo.ZoneInfo:
    """The IANA time zone of that name (Europe/Rome, UTC, ...)."""
    if not isinstance(name, str) or not name or len(name) > 64:
        raise HoursError("time_zone", "Give an IANA time zone name, such as Europe/Rome.")
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        raise HoursError("time_zone", f"Unknown time zone '{name[:64]}'.") from None


Interval = tuple[int, int]  # minutes since local midnight, [start, end)


def weekly_hours_parse(data) -> tuple[tuple[Interval, ...], ...]:
    """{"mon": ["09:00-12:30", "13:30-17:30"], ...} as seven tuples of (start, end) minutes,
    Monday first; a weekday left out is closed. Intervals are sorted and must not overlap."""
    if not isinstance(data, Mapping):
        raise HoursError("weekly_hours", 'Expected an object such as {"mon": ["09:00-17:30"]}.')
    unknown = sorted(str(key) for key in data if key not in WEEKDAYS)
    if unknown:
        raise HoursError(
            "weekly_hours",
            f"Unknown weekday {', '.join(unknown)[:100]}; use {', '.join(WEEKDAYS)}.",
        )
    week = []
    for day in WEEKDAYS:
        values = data.get(day, [])
        if not isinstance(values, list) or len(values) > MAX_INTERVALS_PER_DAY:
            raise HoursError(
                "weekly_hours",
                f"{day}: expected a list of at most {MAX_INTERVALS_PER_DAY} intervals "
                'such as "09:00-17:30".',
            )
        intervals = sorted(_interval_parse(day, value) for value in values)
        for (_, end), (start, _) in zip(intervals, intervals[1:], strict=False):
            if start < end:
                raise HoursError("weekly_hours", f"{day}: intervals overlap.")
        week.append(tuple(intervals))
    if not any(week):
        raise HoursError("weekly_hours", "Give at least one interval: a calendar never open.")
    return tuple(week)


def _interval_parse(day: str, value) -> Interval:
    match = _INTERVAL.match(value) if isinstance(value, str) else None
    if match is None:
        raise HoursError("weekly_hours", f'{day}: expected "HH:MM-HH:MM", got {str(value)[:20]!r}.')
    start = int(match[1]) * 60 + int(match[2])
    end = int(match[3]) * 60 + int(match[4])
    if end > 24 * 60:
        raise HoursError("weekly_hours", f"{day}: {value} ends after 24:00.")
    if end <= start:
        raise HoursError(
            "weekly_hours",
            f"{day}: {value} ends before it starts; split a night shift at 24:00.",
        )
    return start, end


def weekly_hours_format(week: Iterable[Iterable[Interval]]) -> dict[str, list[str]]:
    """The JSON form of parsed weekly hours (weekdays without hours left out)."""

    def hhmm(minutes: int) -> str:
        return f"{minutes // 60:02d}:{minutes % 60:02d}"

    return {
        day: [f"{hhmm(start)}-{hhmm(end)}" for start, end in intervals]
        for day, intervals in zip(WEEKDAYS, week, strict=True)
        if intervals
    }


def holiday_dates_parse(values) -> frozenset[dt.date]:
    """A list of ISO dates ("2025-12-25")."""
    if not isinstance(values, list) or len(values) > MAX_HOLIDAYS:
        raise HoursError("holidays", f"Expected a list of at most {MAX_HOLIDAYS} ISO dates.")
    dates = set()
    for value in values:
        try:
            if not isinstance(value, str) or len(value) != 10:
                raise ValueError
            dates.add(dt.date.fromisoformat(value))
        except ValueError:
            raise HoursError(
                "holidays", f"Expected dates such as 2025-12-25, got {str(value)[:20]!r}."
            ) from None
    return frozenset(dates)


def holiday_region_check(country: str, subdivision: str) -> None:
    """A country (ISO 3166-1 alpha-2) and optional subdivision that the `holidays` package
    knows; both empty means no public holidays."""
    if not country:
        if subdivision:
            raise HoursError("holiday_subdivision", "A subdivision needs a holiday_country.")
        return
    supported = _supported_regions()
    if country not in supported:
        raise HoursError(
            "holiday_country",
            f"No public holidays known for '{country[:10]}'; use an ISO 3166 code such as IT.",
        )
    if subdivision and subdivision not in supported[country]:
        raise HoursError(
            "holiday_subdivision",
            f"Unknown subdivision of {country}; known: {', '.join(supported[country][:60])}.",
        )


@functools.cache
def _supported_regions() -> dict[str, list[str]]:
    import holidays  # imported on first use: it is not needed to route

    return holidays.list_supported_countries()


@functools.lru_cache(maxsize=512)
def public_holidays(country: str, subdivision: str, year: int) -> frozenset[dt.date]:
    """The public holidays of a country (and subdivision) in a year, from `holidays`."""
    import holidays

    return frozenset(holidays.country_holidays(country, subdiv=subdivision or None, years=year))


@dataclass(frozen=True)
class WorkingHours:
    """When a calendar is open. Instants in and out are aware datetimes (any zone)."""

    zone: zoneinfo.ZoneInfo
    week: tuple[tuple[Interval, ...], ...]
    holidays: frozenset[dt.date] = frozenset()
    country: str = ""
    subdivision: str = ""

    @classmethod
    def build(
        cls,
        *,
        time_zone: str,
        weekly_hours,
        holidays: Iterable[str] = (),
        country: str = "",
        subdivision: str = "",
    ) -> "WorkingHours":
        """From the JSON form; HoursError names the offending part."""
        holiday_region_check(country, subdivision)
        return cls(
            zone=time_zone_parse(time_zone),
            week=weekly_hours_parse(weekly_hours),
            holidays=holiday_dates_parse(list(holidays)),
            country=country,
            subdivision=subdivision,
        )

    def is_holiday(self, day: dt.date) -> bool:
        if day in self.holidays:
            return True
        return bool(self.country) and day in public_holidays(
            self.country, self.subdivision, day.year
        )

    def spans(self, day: dt.date) -> tuple[tuple[dt.datetime, dt.datetime], ...]:
        """The local day's open periods as [start, end) instants in UTC."""
        return _day_spans(self, day)

    def _day_spans(self, day: dt.date) -> tuple[tuple[dt.datetime, dt.datetime], ...]:
        if self.is_holiday(day):
            return ()
        spans = []
        for start, end in self.week[day.weekday()]:
            opens = self._instant(day, start)
            closes = self._instant(day, end)
            if closes > opens:
                spans.append((opens, closes))
        return tuple(spans)

    def _instant(self, day: dt.date, minutes: int) -> dt.datetime:
        if minutes == 24 * 60:
            day, minutes = day + dt.timedelta(days=1), 0
        local = dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60), tzinfo=self.zone)
        return local.astimezone(_UTC)

    def _spans_from(self, instant: dt.datetime) -> Iterator[tuple[dt.datetime, dt.datetime]]:
        """The open periods from the local day of `instant` on, in order; it ends after
        SEARCH_DAYS days in a row without any (a calendar cannot be closed for longer)."""
        day = _aware(instant).astimezone(self.zone).date()
        idle = 0
        while idle <= SEARCH_DAYS:
            spans = self.spans(day)
            idle = 0 if spans else idle + 1
            yield from spans
            day += dt.timedelta(days=1)

    def is_open_at(self, instant: dt.datetime) -> bool:
        instant = _aware(instant)
        day = instant.astimezone(self.zone).date()
        return any(start <= instant < end for start, end in self.spans(day))

    def next_open_at(self, instant: dt.datetime) -> dt.datetime | None:
        """`instant` itself when open then, else the next opening (None: closed for the next
        three years)."""
        zone, instant = instant.tzinfo, _aware(instant)
        for start, end in self._spans_from(instant):
            if end > instant:
                return max(start, instant).astimezone(zone)
        return None

    def next_close_at(self, instant: dt.datetime) -> dt.datetime | None:
        """When the open period holding `instant` ends (None when closed at `instant`, or
        open for the next three years, as round the clock)."""
        zone, instant = instant.tzinfo, _aware(instant)
        closes = None
        for start, end in self._spans_from(instant):
            if closes is None:
                if start > instant:
                    return None
                if instant < end:
                    closes = end
            elif start == closes:  # 22:00-24:00 then 00:00-06:00: one period
                closes = end
                if closes - instant > dt.timedelta(days=SEARCH_DAYS):
                    return None  # open round the clock
            else:
                break
        return closes.astimezone(zone) if closes else None

    def business_seconds_between(self, start: dt.datetime, end: dt.datetime) -> float:
        """Open seconds in [start, end); 0 when end is not after start."""
        start, end = _aware(start), _aware(end)
        if end <= start:
            return 0.0
        total = 0.0
        for opens, closes in self._spans_from(start):
            if opens >= end:
                break
            overlap = min(closes, end) - max(opens, start)
            if overlap > dt.timedelta(0):
                total += overlap.total_seconds()
        return total

    def add_business_seconds(self, instant: dt.datetime, seconds: float) -> dt.datetime:
        """The instant at which `seconds` open seconds have passed since `instant` (a deadline
        that falls on a closing time is that closing time; 0 seconds is the next opening)."""
        if seconds < 0:
            raise ValueError("seconds must not be negative")
        zone, instant = instant.tzinfo, _aware(instant)
        remaining = dt.timedelta(seconds=seconds)
        for opens, closes in self._spans_from(instant):
            if closes <= instant:
                continue
            opens = max(opens, instant)
            if remaining <= closes - opens:
                return (opens + remaining).astimezone(zone)
            remaining -= closes - opens
        raise ValueError("the calendar stays closed for more than three years")

    def add_business_seconds_many(
        self, instant: dt.datetime, seconds: list[float]
    ) -> list[dt.datetime]:
        """`add_business_seconds(instant, s)` for each s, in one walk over the open periods
        (a ticket's four SLA instants all count from its creation)."""
        if any(s < 0 for s in seconds):
            raise ValueError("seconds must not be negative")
        zone, instant = instant.tzinfo, _aware(instant)
        wanted = sorted((dt.timedelta(seconds=s), i) for i, s in enumerate(seconds))
        found: list[dt.datetime | None] = [None] * len(seconds)
        done, passed = 0, dt.timedelta(0)
        for opens, closes in self._spans_from(instant):
            if done == len(wanted):
                break
            if closes <= instant:
                continue
            opens = max(opens, instant)
            while done < len(wanted) and wanted[done][0] - passed <= closes - opens:
                target, index = wanted[done]
                found[index] = (opens + (target - passed)).astimezone(zone)
                done += 1
            passed += closes - opens
        if done < len(wanted):
            raise ValueError("the calendar stays closed for more than three years")
        return found


# A day's periods, kept per calendar and day: the SLA arithmetic walks the same days for every
# ticket (bulk imports compute four instants each), and the time-zone conversions dominate.
# A WorkingHours is immutable and hashable, so a calendar edited is a new key.
@functools.lru_cache(maxsize=16384)
def _day_spans(hours: "WorkingHours", day: dt.date) -> tuple[tuple[dt.datetime, dt.datetime], ...]:
    return hours._day_spans(day)


def _aware(instant: dt.datetime) -> dt.datetime:
    """The instant in UTC: arithmetic between datetimes of one ZoneInfo is wall-clock
    arithmetic (01:30 + 1 h = 02:30 even on the night 02:00 does not exist)."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("expected an aware datetime")
    return instant.astimezone(_UTC)
