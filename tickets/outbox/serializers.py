"""Webhook endpoints, deliveries and notification preferences over the API."""

from rest_framework import serializers

from config.api.serializers import StrictInputSerializer
from tickets.models import (
    MODEL_ACTIVATED,
    EventKind,
    NotificationKind,
    NotificationLanguage,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)

EVENT_TYPES = ["*", *EventKind.values, MODEL_ACTIVATED]


class _EventTypesField(serializers.ListField):
    def __init__(self, **kwargs):
        super().__init__(
            child=serializers.ChoiceField(choices=EVENT_TYPES),
            min_length=1,
            max_length=len(EVENT_TYPES),
            help_text='Event types to receive (docs/integrations.md); ["*"] for all.',
            **kwargs,
        )

    def to_internal_value(self, data):
        return sorted(set(super().to_internal_value(data)))


class WebhookEndpointSerializer(serializers.ModelSerializer):
    secret = serializers.SerializerMethodField(
        help_text="Only the last 4 characters; the whole secret is shown once, at creation."
    )

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "url",
            "description",
            "event_types",
            "secret",
            "is_active",
            "disabled_reason",
            "disabled_at",
            "failing_since",
            "consecutive_failures",
            "created_at",
        ]
        read_only_fields = fields

    def get_secret(self, endpoint) -> str:
        return "…" + endpoint.secret[-4:]


class WebhookEndpointCreatedSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(help_text="The signing secret: keep it, it is shown once.")


class WebhookEndpointCreateInputSerializer(StrictInputSerializer):
    url = serializers.URLField(max_length=2000)
    event_types = _EventTypesField()
    secret = serializers.CharField(
        min_length=16,
        max_length=128,
        required=False,
        help_text="Left out: one is generated (whsec_...).",
    )
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False, default=True)


class WebhookEndpointUpdateInputSerializer(StrictInputSerializer):
    url = serializers.URLField(max_length=2000, required=False)
    event_types = _EventTypesField(required=False)
    secret = serializers.CharField(min_length=16, max_length=128, required=False)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)


class WebhookAttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookAttempt
        fields = ["started_at", "status_code", "latency_ms", "error", "ok"]
        read_only_fields = fields


class WebhookDeliverySerializer(serializers.ModelSerializer):
    event_id = serializers.UUIDField(source="event.event_id", read_only=True)
    event_type = serializers.CharField(source="event.kind", read_only=True)
    ticket_id = serializers.IntegerField(source="event.ticket_id", read_only=True, allow_null=True)
    attempts_log = WebhookAttemptSerializer(source="log", many=True, read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "event_id",
            "event_type",
            "ticket_id",
            "state",
            "attempts",
            "next_attempt_at",
            "give_up_at",
            "delivered_at",
            "last_error",
            "attempts_log",
        ]
        read_only_fields = fields


class WebhookRedeliverInputSerializer(StrictInputSerializer):
    event_id = serializers.UUIDField(help_text="The event's id (the `id` of its payload).")


class NotificationPreferenceSerializer(serializers.Serializer):
    language = serializers.ChoiceField(choices=NotificationLanguage.choices, read_only=True)
    muted = serializers.ListField(
        child=serializers.ChoiceField(choices=NotificationKind.choices), read_only=True
    )


class NotificationPreferenceInputSerializer(StrictInputSerializer):
    language = serializers.ChoiceField(choices=NotificationLanguage.choices, required=False)
    muted = serializers.ListField(
        child=serializers.ChoiceField(choices=NotificationKind.choices),
        max_length=len(NotificationKind.choices),
        required=False,
        help_text="Kinds of email switched off: " + ", ".join(NotificationKind.values) + ".",
    )

    def validate_muted(self, value):
        return sorted(set(value))
