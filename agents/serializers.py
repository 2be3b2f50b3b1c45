from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from agents import shifts
from agents.hours import HoursError, WorkingHours, weekly_hours_format
from agents.models import GENERAL_DEPARTMENT_SLUG, Agent, Calendar, Department
from config.api.serializers import (
    FieldsBuiltOnceMixin,
    RejectUnknownFieldsMixin,
    StrictInputSerializer,
    UserSummarySerializer,
)


class DepartmentSummarySerializer(FieldsBuiltOnceMixin, serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "slug", "name"]
        read_only_fields = fields


class DepartmentSerializer(RejectUnknownFieldsMixin, serializers.ModelSerializer):
    calendar = serializers.PrimaryKeyRelatedField(
        queryset=Calendar.objects.all(),
        required=False,
        allow_null=True,
        help_text="The working hours of its agents who have no calendar of their own (a "
        "calendar id; null: always on shift).",
    )

    class Meta:
        model = Department
        fields = ["id", "slug", "name", "calendar"]

    def validate_slug(self, value: str) -> str:
        instance = self.instance
        if (
            instance is not None
            and instance.slug == GENERAL_DEPARTMENT_SLUG
            and value != instance.slug
        ):
            raise serializers.ValidationError(
                "The General department keeps its slug: tickets no rule can place go there."
            )
        return value


class CalendarSummarySerializer(FieldsBuiltOnceMixin, serializers.ModelSerializer):
    class Meta:
        model = Calendar
        fields = ["id", "name"]
        read_only_fields = fields


class CalendarSerializer(RejectUnknownFieldsMixin, serializers.ModelSerializer):
    """Working hours. `weekly_hours`: {"mon": ["09:00-12:30", "13:30-17:30"], ...} in the
    calendar's time zone; `holidays`: closed dates; `holiday_country` (+ subdivision): that
    country's public holidays too (docs/agents.md)."""

    weekly_hours = serializers.JSONField(
        help_text='Local hours per weekday: {"mon": ["09:00-17:30"], ...}; a weekday left out '
        "is closed; 24:00 closes a day."
    )
    holidays = serializers.ListField(
        child=serializers.DateField(), max_length=1000, required=False, help_text="Closed dates."
    )
    open_now = serializers.SerializerMethodField()

    class Meta:
        model = Calendar
        fields = [
            "id",
            "name",
            "time_zone",
            "weekly_hours",
            "holidays",
            "holiday_country",
            "holiday_subdivision",
            "open_now",
        ]

    ignored_fields = frozenset({"id", "open_now"})

    @extend_schema_field(serializers.BooleanField())
    def get_open_now(self, calendar: Calendar) -> bool:
        return shifts.calendar_hours(calendar).is_open_at(timezone.now())

    def validate(self, attrs):
        merged = {
            field: attrs.get(field, getattr(self.instance, field, None))
            for field in ("time_zone", "weekly_hours", "holiday_country", "holiday_subdivision")
        }
        holidays = attrs.get("holidays", getattr(self.instance, "holidays", None) or [])
        try:
            hours = WorkingHours.build(
                time_zone=merged["time_zone"] or "UTC",
                weekly_hours=merged["weekly_hours"],
                holidays=[str(day) for day in holidays],
                country=merged["holiday_country"] or "",
                subdivision=merged["holiday_subdivision"] or "",
            )
        except HoursError as error:
            raise serializers.ValidationError({error.field: [error.message]}) from None
        if "weekly_hours" in attrs:
            attrs["weekly_hours"] = weekly_hours_format(hours.week)
        if "holidays" in attrs:
            attrs["holidays"] = sorted({day.isoformat() for day in attrs["holidays"]})
        return attrs


def _reference(data, *, queryset, slug_field: str | None, what: str):
    """An object by its key (the slug where it has one, else the id), or as the object a
    GET shows it: read by its `id` (else its slug); other keys are ignored."""
    key_field = "pk"
    if isinstance(data, dict):
        if "id" in data:
            data = data["id"]
        elif slug_field and slug_field in data:
            data, key_field = data[slug_field], slug_field
        else:
            raise serializers.ValidationError(f"Give the {what}'s id.")
        if key_field == "pk" and (isinstance(data, bool) or not isinstance(data, int)):
            raise serializers.ValidationError(f"The {what}'s id must be an integer.")
    elif slug_field and isinstance(data, str):
        key_field = slug_field
    elif not slug_field and isinstance(data, int) and not isinstance(data, bool):
        pass
    else:
        key = "slug" if slug_field else "id"
        raise serializers.ValidationError(f"Expected the {what}'s {key} or object.")
    if (
        key_field == "pk"
        and not 1 <= data < 2**63
        or isinstance(data, str)
        and (len(data) > 100 or "\x00" in data)
    ):
        raise serializers.ValidationError(f"No such {what}.")
    found = queryset.filter(**{key_field: data}).first()
    if found is None:
        raise serializers.ValidationError(f"No such {what}: {str(data)[:50]}.")
    return found


@extend_schema_field(
    {
        "oneOf": [
            {"type": "string", "description": "The department's slug."},
            {"type": "object", "properties": {"id": {"type": "integer"}}, "required": ["id"]},
        ],
        "description": "A department by slug, or as the object a GET shows (read by its id).",
    }
)
class DepartmentReferenceField(serializers.Field):
    def to_internal_value(self, data) -> Department:
        return _reference(
            data, queryset=Department.objects.all(), slug_field="slug", what="department"
        )

    def to_representation(self, value):
        return value.slug


@extend_schema_field(
    {
        "oneOf": [
            {"type": "integer", "description": "The calendar's id."},
            {"type": "object", "properties": {"id": {"type": "integer"}}, "required": ["id"]},
        ],
        "nullable": True,
        "description": "A calendar by id, or as the object a GET shows; null: none of their "
        "own (the department's hours).",
    }
)
class CalendarReferenceField(serializers.Field):
    def to_internal_value(self, data) -> Calendar:
        return _reference(data, queryset=Calendar.objects.all(), slug_field=None, what="calendar")

    def to_representation(self, value):
        return value.pk


class AwareDateTimeField(serializers.DateTimeField):
    """A date-time with its UTC offset (2025-08-01T09:00:00+02:00): a bare local time is
    ambiguous for an agent and the server in different zones."""

    def to_internal_value(self, value):
        parsed = parse_datetime(value) if isinstance(value, str) else None
        if parsed is not None and parsed.tzinfo is None:
            raise serializers.ValidationError(
                "Give the UTC offset, as in 2025-08-01T09:00:00+02:00 or ...Z."
            )
        return super().to_internal_value(value)


class AgentSerializer(serializers.ModelSerializer):
    """An agent and their state now: whether routing would give them a ticket, and why not."""

    id = serializers.IntegerField(source="user_id", read_only=True)
    username = serializers.CharField(source="user.username", read_only=True)
    department = DepartmentSummarySerializer(read_only=True)
    open_tickets = serializers.IntegerField(source="open_load", read_only=True)
    calendar = CalendarSummarySerializer(read_only=True, allow_null=True)
    shift_calendar = serializers.SerializerMethodField(
        help_text="The calendar of their hours: their own, else their department's."
    )
    on_shift = serializers.SerializerMethodField()
    off_shift_until = serializers.SerializerMethodField(
        help_text="When their hours next begin, while off shift."
    )
    away = serializers.SerializerMethodField(help_text="away_until is still ahead.")
    accepts_tickets = serializers.SerializerMethodField(
        help_text="Routing would consider them now: active, available, not away, on shift and "
        "under capacity."
    )

    class Meta:
        model = Agent
        fields = [
            "id",
            "username",
            "department",
            "is_available",
            "max_open_tickets",
            "open_tickets",
            "last_assigned_at",
            "away_until",
            "away",
            "calendar",
            "shift_calendar",
            "on_shift",
            "off_shift_until",
            "accepts_tickets",
            "retired_at",
        ]
        read_only_fields = fields

    def _now(self):
        now = self.context.get("now")
        if now is None:
            now = self.context["now"] = timezone.now()
        return now

    @extend_schema_field(CalendarSummarySerializer(allow_null=True))
    def get_shift_calendar(self, agent: Agent):
        calendar = agent.shift_calendar()
        return CalendarSummarySerializer(calendar).data if calendar else None

    def get_on_shift(self, agent: Agent) -> bool:
        calendar = agent.shift_calendar()
        return calendar is None or shifts.calendar_hours(calendar).is_open_at(self._now())

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_off_shift_until(self, agent: Agent):
        calendar = agent.shift_calendar()
        if calendar is None or self.get_on_shift(agent):
            return None
        opens = shifts.calendar_hours(calendar).next_open_at(self._now())
        return serializers.DateTimeField().to_representation(opens) if opens else None

    def get_away(self, agent: Agent) -> bool:
        return agent.away_until is not None and agent.away_until > self._now()

    def get_accepts_tickets(self, agent: Agent) -> bool:
        under_capacity = agent.max_open_tickets is None or agent.open_load < agent.max_open_tickets
        return (
            agent.retired_at is None
            and agent.is_available
            and under_capacity
            and not self.get_away(agent)
            and self.get_on_shift(agent)
        )


class AgentUpdateInputSerializer(StrictInputSerializer):
    """Staff: department, availability, capacity, absence and working hours."""

    department = DepartmentReferenceField(
        required=False,
        help_text="A move sends their OPEN tickets of other departments back through routing.",
    )
    is_available = serializers.BooleanField(required=False)
    max_open_tickets = serializers.IntegerField(
        min_value=0, max_value=100_000, required=False, allow_null=True
    )
    away_until = AwareDateTimeField(
        required=False, allow_null=True, help_text="Not routed to until then; null: back now."
    )
    calendar = CalendarReferenceField(required=False, allow_null=True)
    # What a GET shows and a PATCH cannot change, echoed back: ignored.
    ignored_fields = frozenset(AgentSerializer.Meta.fields)


class AgentSelfUpdateInputSerializer(StrictInputSerializer):
    """An agent about themselves: availability, absence and working hours."""

    is_available = serializers.BooleanField(required=False)
    away_until = AwareDateTimeField(
        required=False, allow_null=True, help_text="Not routed to until then; null: back now."
    )
    calendar = CalendarReferenceField(required=False, allow_null=True)
    ignored_fields = AgentUpdateInputSerializer.ignored_fields
    redirected_fields = {
        "department": "Staff change departments (PATCH /api/agents/{id}/).",
        "max_open_tickets": "Staff set capacities (PATCH /api/agents/{id}/).",
    }


class AgentCreateInputSerializer(StrictInputSerializer):
    """An existing user (`user` id, or `username` alone), or a new one (`username`, `email`
    and an initial `password` that Django's password validators accept)."""

    user = serializers.IntegerField(min_value=1, max_value=2**63 - 1, required=False)
    username = serializers.CharField(max_length=150, required=False)
    email = serializers.EmailField(required=False)
    password = serializers.CharField(
        max_length=128, required=False, write_only=True, trim_whitespace=False
    )
    department = DepartmentReferenceField()
    is_available = serializers.BooleanField(required=False, default=True)
    max_open_tickets = serializers.IntegerField(
        min_value=0, max_value=100_000, required=False, allow_null=True, default=None
    )
    away_until = AwareDateTimeField(required=False, allow_null=True, default=None)
    calendar = CalendarReferenceField(required=False, allow_null=True, default=None)
    schema_any_of_required = (("user",), ("username",))

    def validate(self, attrs):
        if ("user" in attrs) == ("username" in attrs):
            raise serializers.ValidationError(
                {"user": ["Give either `user` (an existing user's id) or `username`."]}
            )
        if "user" in attrs:
            for field in ("email", "password"):
                if field in attrs:
                    raise serializers.ValidationError(
                        {field: ["Only for a new user (with `username`)."]}
                    )
            attrs["user_id"] = attrs.pop("user")
        return attrs


class AgentListQuerySerializer(serializers.Serializer):
    include_retired = serializers.BooleanField(
        required=False, default=False, help_text="Staff: list retired agents too."
    )


class AgentRerouteQuerySerializer(StrictInputSerializer):
    reroute = serializers.ChoiceField(
        choices=["open"],
        required=False,
        help_text="open: when the change leaves the agent unavailable or away, send their "
        "OPEN tickets back through routing.",
    )


class TicketBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    status = serializers.CharField()
    assigned_to = UserSummarySerializer(allow_null=True)


class AgentRetireResultSerializer(serializers.Serializer):
    agent = AgentSerializer()
    rerouted = TicketBriefSerializer(
        many=True, help_text="Their OPEN tickets, routed again (assigned_to: the new agent)."
    )
    in_progress = TicketBriefSerializer(
        many=True, help_text="Their IN_PROGRESS tickets, left with them for staff to reassign."
    )
    pending = TicketBriefSerializer(
        many=True,
        help_text="Their PENDING tickets (waiting on the requester), left with them for staff "
        "to reassign.",
    )
