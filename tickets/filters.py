"""List filters for tickets: `?status=OPEN&assigned_to=me&created_after=2026-01-01...`."""

import django_filters
from django import forms
from django.core.exceptions import ValidationError

from tickets.models import Priority, Ticket, TicketStatus


class UserRefField(forms.CharField):
    """`me`, `none` or a user id."""

    def clean(self, value):
        value = super().clean(value)
        if value in ("", None):
            return None
        value = value.strip().lower()
        if value in ("me", "none"):
            return value
        if value.isdigit() and 0 < int(value) < 2**63:
            return int(value)
        raise ValidationError("Expected 'me', 'none' or a user id.")


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


class SlugOrIdFilter(django_filters.CharFilter):
    """A related object given by slug or numeric id; `none` for tickets without one."""

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


class TicketFilterSet(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=TicketStatus.choices)
    priority = django_filters.MultipleChoiceFilter(
        choices=[(p.name, p.label) for p in Priority], method="filter_priority"
    )
    category = SlugOrIdFilter(field_name="category", help_text="Slug, id or `none`.")
    department = SlugOrIdFilter(field_name="department", help_text="Slug, id or `none`.")
    assigned_to = UserRefFilter(field_name="assigned_to", help_text="`me`, `none` or a user id.")
    created_by = UserRefFilter(field_name="created_by", help_text="`me`, `none` or a user id.")
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

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
        ]

    def filter_priority(self, qs, name, value):
        if not value:
            return qs
        return qs.filter(priority__in=[Priority[v] for v in value])
