"""The SLA policies over the API, and the `sla` object a ticket shows."""

import datetime as dt
import threading

from django.db import IntegrityError, transaction
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from agents.models import Calendar, Department
from config.api.serializers import RejectUnknownFieldsMixin
from tickets.models import Priority, SlaPolicy, Ticket
from tickets.models.sla import MAX_TARGET_MINUTES, TARGET_KEYS, sla_targets_parse
from tickets.sla import clock
from tickets.sla.policies import policy_get

TARGET_STATES = ["met", "breached", "at_risk", "running", "paused"]


class SlaTargetStateSerializer(serializers.Serializer):
    due = serializers.DateTimeField(help_text="When the target is breached.")
    at_risk_at = serializers.DateTimeField(allow_null=True)
    state = serializers.ChoiceField(
        choices=TARGET_STATES,
        allow_null=True,
        help_text="null: nothing owed (resolved without a reply needed).",
    )
    seconds_left = serializers.FloatField(
        allow_null=True,
        help_text="Business seconds (of the policy's calendar) before `due`; negative: past "
        "it; null once met.",
    )


class SlaPolicySummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class TicketSlaSerializer(serializers.Serializer):
    policy = SlaPolicySummarySerializer(allow_null=True, help_text="null: deleted since.")
    paused = serializers.BooleanField(help_text="The clock is stopped (not OPEN/IN_PROGRESS).")
    first_response = SlaTargetStateSerializer(allow_null=True)
    resolution = SlaTargetStateSerializer(allow_null=True)


def ticket_sla(ticket: Ticket, now: dt.datetime | None = None) -> dict | None:
    """The ticket's service levels as the API shows them; None without a policy."""
    if ticket.first_response_due is None and ticket.resolution_due is None:
        return None
    now = now or timezone.now()
    rules = policy_get(ticket.sla_policy_id)
    result = {
        "policy": {"id": rules.id, "name": rules.name} if rules else None,
        "paused": ticket.sla_paused_at is not None,
    }
    for target in clock.TARGETS:
        state = clock.target_state(ticket, target, rules, now)
        result[target] = (
            None
            if state.due is None
            else {
                "due": state.due,
                "at_risk_at": state.at_risk_at,
                "state": state.state,
                "seconds_left": state.seconds_left,
            }
        )
    return result


_local = threading.local()


def ticket_sla_data(ticket: Ticket) -> dict | None:
    """`ticket_sla` rendered as the API shows it. Building a nested serializer's fields costs
    about a millisecond, on every ticket created and listed: one per thread, reused (its
    to_representation keeps no state)."""
    sla = ticket_sla(ticket)
    if sla is None:
        return None
    serializer = getattr(_local, "serializer", None)
    if serializer is None:
        serializer = _local.serializer = TicketSlaSerializer()
    return serializer.to_representation(sla)


_TARGET_MINUTES_SCHEMA = {
    "type": "integer",
    "minimum": 1,
    "maximum": MAX_TARGET_MINUTES,
    "nullable": True,
}


@extend_schema_field(
    {
        "type": "object",
        "properties": {
            p.name: {
                "type": "object",
                "properties": {key: _TARGET_MINUTES_SCHEMA for key in TARGET_KEYS},
                "additionalProperties": False,
                "nullable": False,
            }
            for p in Priority
        },
        "additionalProperties": False,
    }
)
class SlaPolicyTargetsField(serializers.JSONField):
    """Per priority name, the targets in minutes."""

    def to_internal_value(self, data):
        data = super().to_internal_value(data)
        try:
            return sla_targets_parse(data)
        except ValueError as error:
            raise serializers.ValidationError(str(error)) from None


class _NoEmptyStringMixin:
    """An empty string is refused, as the schema says (DRF reads it as null for relations)."""

    def run_validation(self, data=serializers.empty):
        if data == "":
            raise serializers.ValidationError("Expected a value or null, not an empty string.")
        return super().run_validation(data)


class DepartmentSlugField(_NoEmptyStringMixin, serializers.SlugRelatedField):
    pass


class CalendarIdField(_NoEmptyStringMixin, serializers.PrimaryKeyRelatedField):
    pass


class SlaPolicySerializer(RejectUnknownFieldsMixin, serializers.ModelSerializer):
    department = DepartmentSlugField(
        slug_field="slug",
        queryset=Department.objects.all(),
        allow_null=True,
        required=False,
        help_text="The department's slug; null: the default policy (is_default) or none.",
    )
    calendar = CalendarIdField(
        queryset=Calendar.objects.all(),
        allow_null=True,
        required=False,
        help_text="A calendar's id: targets count its business hours; null: around the clock.",
    )
    targets = SlaPolicyTargetsField(
        required=False,
        help_text='Minutes per priority name: {"HIGH": {"first_response_minutes": 60, '
        '"resolution_minutes": 480}}; a priority left out, or null, has no target.',
    )
    at_risk_share = serializers.FloatField(min_value=0.01, max_value=0.99, required=False)

    class Meta:
        model = SlaPolicy
        fields = [
            "id",
            "name",
            "department",
            "is_default",
            "calendar",
            "targets",
            "at_risk_share",
            "escalation",
            "updated_at",
        ]
        read_only_fields = ["id", "updated_at"]
        extra_kwargs = {"name": {"max_length": 100}}

    def validate(self, attrs):
        is_default = attrs.get("is_default", getattr(self.instance, "is_default", False))
        department = attrs.get("department", getattr(self.instance, "department", None))
        if is_default and department is not None:
            raise serializers.ValidationError(
                {"is_default": ["The default policy has no department."]}
            )
        return attrs

    def save(self, **kwargs):
        try:
            with transaction.atomic():
                return super().save(**kwargs)
        except IntegrityError:
            raise serializers.ValidationError(
                {
                    "non_field_errors": [
                        "Another policy already has this name or department, or is the default."
                    ]
                }
            ) from None
