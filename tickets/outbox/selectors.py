"""Reads of the outbox for staff: endpoints, their deliveries with each attempt."""

from django.db.models import Prefetch, QuerySet

from tickets.models import NotificationPreference, WebhookAttempt, WebhookDelivery, WebhookEndpoint


def webhook_endpoint_list() -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.select_related("created_by").order_by("id")


def webhook_delivery_list(*, endpoint: WebhookEndpoint) -> QuerySet[WebhookDelivery]:
    """An endpoint's deliveries, newest first, with their event and every attempt (two
    queries per page whatever its size)."""
    return (
        WebhookDelivery.objects.filter(endpoint=endpoint)
        .select_related("event")
        .prefetch_related(
            Prefetch("log", queryset=WebhookAttempt.objects.order_by("-started_at", "-id"))
        )
        .order_by("-id")
    )


def notification_preference_get(*, user) -> NotificationPreference:
    """The user's preferences (unsaved defaults when they never set any)."""
    return NotificationPreference.objects.filter(user=user).first() or NotificationPreference(
        user=user
    )
