"""Who is on shift: each calendar's parsed hours and open-or-closed state, kept per process.

Routing must not read the calendars on every ticket. A calendar's row carries a `revision`
that changes on every save; the pick query returns, with each candidate, the id and revision
of the calendar of its hours (its own, else its department's), and the hours are parsed again
only when a revision not seen before comes back (one query, then kept).

So that agents off shift do not fill the page of candidates, routing leaves out in SQL the
calendars this process knows to be closed now. That knowledge is trusted for
CALENDAR_CHECK_SECONDS after the calendar's row was last seen: a calendar saved in this process
is forgotten at once (Calendar.save), one saved in another process is seen again, with its new
revision, at most that many seconds later (a calendar extended elsewhere may keep its agents
out of routing that long; one shortened is seen at once, as its agents come back with the new
revision). Whether a calendar is open is kept until its next opening or closing.
"""

import datetime as dt
import threading
import time
import uuid
from dataclasses import dataclass

from django.conf import settings

from agents import models
from agents.hours import WorkingHours

_lock = threading.Lock()
_held: dict[int, "_Shift"] = {}
_generation = -1  # models.calendar_generation() when _held was last valid


@dataclass
class _Shift:
    revision: uuid.UUID
    hours: WorkingHours
    seen_at: float  # time.monotonic() when its row was last read with this revision
    # Open or not during [state_from, state_until); recomputed outside it.
    is_open: bool = False
    state_from: dt.datetime | None = None
    state_until: dt.datetime | None = None

    def open_at(self, now: dt.datetime) -> bool:
        if self.state_from is None or not (self.state_from <= now < self.state_until):
            self.is_open = self.hours.is_open_at(now)
            change = self.hours.next_close_at(now) if self.is_open else self.hours.next_open_at(now)
            self.state_from = now
            self.state_until = change or now + dt.timedelta(days=1)
        return self.is_open


def _current() -> dict[int, _Shift]:
    global _generation
    generation = models.calendar_generation()
    if generation != _generation:
        with _lock:
            _held.clear()
            _generation = generation
    return _held


def on_shift(calendar_id: int | None, revision: uuid.UUID | None, now: dt.datetime) -> bool:
    """Whether that calendar (at that revision) is open at `now`; no calendar: always."""
    if calendar_id is None:
        return True
    held = _current()
    shift = held.get(calendar_id)
    if shift is None or shift.revision != revision:
        calendar = models.Calendar.objects.get(pk=calendar_id)
        shift = _Shift(revision=calendar.revision, hours=calendar.hours, seen_at=0.0)
        with _lock:
            held[calendar_id] = shift
    shift.seen_at = time.monotonic()
    return shift.open_at(now)


def calendar_hours(calendar: models.Calendar) -> WorkingHours:
    """The calendar's parsed hours, kept per process by revision (no query)."""
    held = _current()
    shift = held.get(calendar.pk)
    if shift is None or shift.revision != calendar.revision:
        shift = _Shift(revision=calendar.revision, hours=calendar.hours, seen_at=time.monotonic())
        if calendar.pk is not None:
            with _lock:
                held[calendar.pk] = shift
    return shift.hours


def calendars_closed_at(now: dt.datetime) -> list[int]:
    """The calendars known, from rows read lately, to be closed at `now`."""
    trusted_since = time.monotonic() - settings.CALENDAR_CHECK_SECONDS
    return sorted(
        calendar_id
        for calendar_id, shift in list(_current().items())
        if shift.seen_at >= trusted_since and not shift.open_at(now)
    )


def reset_cache() -> None:
    """Forget every calendar (tests: a rolled-back calendar's id may come back)."""
    with _lock:
        _held.clear()
