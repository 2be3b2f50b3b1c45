"""Departments, the agents who work in them, and the calendars of their working hours."""

import datetime as dt
import itertools
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.functional import cached_property

from agents.hours import HoursError, WorkingHours

GENERAL_DEPARTMENT_SLUG = "general"


class Calendar(models.Model):
    """Working hours: a time zone, hours per weekday, holiday dates and optionally a country's
    public holidays. Agents on shift are those whose calendar (their own, else their
    department's) is open; no calendar at all means always on shift. The SLA work reads the
    same calendars for business hours. The rules are in agents/hours.py."""

    name = models.CharField(max_length=100, unique=True)
    time_zone = models.CharField(max_length=64, default="UTC", help_text="IANA name: Europe/Rome.")
    weekly_hours = models.JSONField(
        default=dict,
        help_text='Local hours per weekday: {"mon": ["09:00-12:30", "13:30-17:30"], ...}; '
        "a weekday left out is closed.",
    )
    holidays = models.JSONField(
        default=list, blank=True, help_text='Closed dates: ["2025-12-24", "2025-12-31"].'
    )
    holiday_country = models.CharField(
        max_length=8,
        blank=True,
        default="",
        help_text="Also closed on this country's public holidays (ISO 3166 code: IT, FR, DE).",
    )
    holiday_subdivision = models.CharField(
        max_length=16, blank=True, default="", help_text="A region of that country, if any."
    )
    # A new value on every save: routing keeps each calendar's parsed hours per process and
    # reads them again when the row it sees carries another revision (agents/routing.py).
    revision = models.UUIDField(default=uuid.uuid4, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.revision = uuid.uuid4()
        self.__dict__.pop("hours", None)  # parsed again from the saved fields
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "revision"}
        super().save(*args, **kwargs)
        _calendar_changed()

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        _calendar_changed()
        return result

    def clean(self) -> None:
        try:
            self._build()
        except HoursError as error:
            raise ValidationError({error.field: error.message}) from None

    def _build(self) -> WorkingHours:
        return WorkingHours.build(
            time_zone=self.time_zone,
            weekly_hours=self.weekly_hours,
            holidays=self.holidays,
            country=self.holiday_country,
            subdivision=self.holiday_subdivision,
        )

    @cached_property
    def hours(self) -> WorkingHours:
        """The parsed hours (agents/shifts.py keeps them per process for routing)."""
        return self._build()

    # The questions routing and the SLA work ask (agents/hours.py has the rules).
    def is_open_at(self, instant: dt.datetime) -> bool:
        return self.hours.is_open_at(instant)

    def next_open_at(self, instant: dt.datetime) -> dt.datetime | None:
        return self.hours.next_open_at(instant)

    def business_seconds_between(self, start: dt.datetime, end: dt.datetime) -> float:
        return self.hours.business_seconds_between(start, end)

    def add_business_seconds(self, instant: dt.datetime, seconds: float) -> dt.datetime:
        return self.hours.add_business_seconds(instant, seconds)


_saves = itertools.count()
_generation = 0


def calendar_generation() -> int:
    """Changes whenever a calendar is saved or deleted in this process (agents/shifts.py
    forgets what it kept about calendars then)."""
    return _generation


def _calendar_changed() -> None:
    global _generation
    _generation = next(_saves) + 1


class Department(models.Model):
    """A team that owns categories of tickets. Its row is the routing lock for its agents."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=50, unique=True)
    calendar = models.ForeignKey(
        Calendar,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="departments",
        help_text="The working hours of its agents who have no calendar of their own; "
        "empty: always on shift.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Agent(models.Model):
    """A user who works tickets. Shares the user's primary key, so an agent's id is its user id."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="agent",
    )
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="agents")
    is_available = models.BooleanField(default=True)
    max_open_tickets = models.PositiveIntegerField(
        null=True, blank=True, help_text="Capacity in open tickets; empty means unlimited."
    )
    last_assigned_at = models.DateTimeField(null=True, blank=True, editable=False)
    away_until = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Out of office: not routed to until then, back automatically afterwards.",
    )
    calendar = models.ForeignKey(
        Calendar,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agents",
        help_text="Their working hours; empty: their department's calendar.",
    )
    retired_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="Retired agents are no longer routed to; the row stays for history.",
    )
    open_load = models.PositiveIntegerField(
        "open tickets",
        default=0,
        editable=False,
        help_text="Tickets assigned to the agent and OPEN or IN_PROGRESS; kept by the "
        "database's triggers (tickets/load_triggers.py), never written by the application.",
    )

    class Meta:
        ordering = ["user_id"]
        indexes = [models.Index(fields=["department", "is_available"])]

    def __str__(self) -> str:
        return self.user.get_username()

    def save(self, *args, **kwargs) -> None:
        """open_load belongs to the database: a new agent's counter is set by a trigger from
        the tickets already assigned to the user (tickets/load_triggers.py), and saving an
        agent never writes back a counter read earlier (the triggers may have moved it)."""
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "open_load" in update_fields:
            raise ValueError("Agent.open_load is kept by the database, not saved.")
        adding = self._state.adding
        if not adding and update_fields is None:
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key and field.name != "open_load"
            ]
        super().save(*args, **kwargs)
        if adding:
            self.refresh_from_db(fields=["open_load"])

    @property
    def is_retired(self) -> bool:
        return self.retired_at is not None

    def shift_calendar(self) -> Calendar | None:
        """The calendar of their hours: their own, else their department's (None: always on
        shift). Load both with select_related("calendar", "department__calendar")."""
        return self.calendar or self.department.calendar
