"""List filters for tickets: `?status=OPEN&assigned_to=me&created_after=2026-01-01...`."""

import re
from datetime import UTC, datetime

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_filters.fields import IsoDateTimeField
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.filters import SearchFilter

from tickets.models import Priority, Ticket, TicketStatus, TrainingJob, TrainingJobStatus
from tickets.sla.selectors import SLA_STATES, tickets_by_sla_state

# What the server accepts is exactly what the schema says: `me`, `none` (any case) or an id.
USER_REF_PATTERN = r"^([Mm][Ee]|[Nn][Oo][Nn][Ee]|[1-9][0-9]{0,17})$"
SEARCH_MAX_LENGTH = 200
SLUG_MAX_LENGTH = 50


class UserRefField(forms.CharField):
    """`me`, `none` or a user id."""

    def __init__(self, **kwargs):
        kwargs.setdefault("strip", False)
        super().__init__(**kwargs)

    def clean(self, value):
        if value is None:  # parameter absent
            return None
        value = super().clean(value)
        if not re.fullmatch(USER_REF_PATTERN, value):
            raise ValidationError("Expected 'me', 'none' or a user id.")
        value = value.lower()
        return value if value in ("me", "none") else int(value)


@extend_schema_field(
    {"type": "string", "pattern": USER_REF_PATTERN, "description": "`me`, `none` or a user id."}
)
class UserRefFilter(django_filters.Filter):
    field_class = UserRefField

    def filter(self, qs, value):
        if value is None:
            return qs
        if value == "me":
            return qs.filter(**{self.field_name: self.parent.request.user})
        if value == "none":
            return qs.filter(**{f"{self.field_name}__isnull": True})
        return qs.filter(**{f"{self.field_name}_id": value})


# With an override, drf-spectacular takes the description from the schema, not help_text.
@extend_schema_field(
    {"type": "string", "maxLength": SLUG_MAX_LENGTH, "description": "Slug, id or `none`."}
)
class SlugOrIdFilter(django_filters.CharFilter):
    """A related object given by slug or numeric id; `none` for tickets without one. Longer
    than any slug (50) is a 400, which keeps every URL the schema allows short."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", SLUG_MAX_LENGTH)
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if not value:
            return qs
        value = value.strip()
        if value.lower() == "none":
            return qs.filter(**{f"{self.field_name}__isnull": True})
        if value.isdigit():
            return (
                qs.filter(**{f"{self.field_name}_id": int(value)}) if len(value) < 19 else qs.none()
            )
        return qs.filter(**{f"{self.field_name}__slug": value})


class StrictIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 date-time; present but empty is a 400 too, as the schema's format says.

    The value is compared in UTC: PostgreSQL refuses offsets beyond ±15:59 that RFC 3339
    allows (up to ±23:59), and a moment that falls outside Python's years 1-9999 once in UTC
    is clamped to the nearest representable one (no ticket lies beyond either end)."""

    def clean(self, value):
        if value == "":
            raise ValidationError("Expected an ISO 8601 date-time.")
        moment = super().clean(value)
        if moment is None or moment.tzinfo is None:
            return moment
        try:
            return moment.astimezone(UTC)
        except OverflowError:
            edge = datetime.max if moment.year == datetime.max.year else datetime.min
            return edge.replace(tzinfo=UTC)


class StrictIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = StrictIsoDateTimeField


@extend_schema_field({"type": "string", "enum": [p.name for p in Priority]})
class PriorityFilter(django_filters.MultipleChoiceFilter):
    """Priorities by name (LOW ... URGENT), stored as ordered numbers."""


class BoundedSearchFilter(SearchFilter):
    """`?search=` over title and description, at most SEARCH_MAX_LENGTH characters (400)."""

    def get_search_terms(self, request):
        raw = request.query_params.get(self.search_param, "")
        if len(raw) > SEARCH_MAX_LENGTH:
            raise ApiValidationError(
                {self.search_param: [f"At most {SEARCH_MAX_LENGTH} characters."]}
            )
        return super().get_search_terms(request)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["maxLength"] = SEARCH_MAX_LENGTH
        return parameters


class TicketFilterSet(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=TicketStatus.choices)
    priority = PriorityFilter(
        choices=[(p.name, p.label) for p in Priority], method="filter_priority"
    )
    category = SlugOrIdFilter(field_name="category", help_text="Slug, id or `none`.")
    department = SlugOrIdFilter(field_name="department", help_text="Slug, id or `none`.")
    assigned_to = UserRefFilter(field_name="assigned_to", help_text="`me`, `none` or a user id.")
    created_by = UserRefFilter(field_name="created_by", help_text="`me`, `none` or a user id.")
    created_after = StrictIsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = StrictIsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    sla = django_filters.ChoiceFilter(
        choices=[(state, state) for state in SLA_STATES],
        method="filter_sla",
        help_text="`breached`: a service-level target breached; `at_risk`: one at risk and "
        "none breached; `ok`: neither (tickets without a policy included).",
    )

    class Meta:
        model = Ticket
        fields = [
            "status",
            "priority",
            "category",
            "department",
            "assigned_to",
            "created_by",
            "created_after",
            "created_before",
            "sla",
        ]

    def filter_sla(self, qs, name, value):
        if not value:
            return qs
        return tickets_by_sla_state(qs, value, now=timezone.now())

    def filter_priority(self, qs, name, value):
        if not value:
            return qs
        return qs.filter(priority__in=[Priority[v] for v in value])


class TrainingJobFilterSet(django_filters.FilterSet):
    """`?status=queued&status=running`: the jobs in any of these states."""

    status = django_filters.MultipleChoiceFilter(choices=TrainingJobStatus.choices)

    class Meta:
        model = TrainingJob
        fields = ["status"]
