"""Staff's changes to webhooks (register, edit, remove, redeliver) and a user's notification
preferences: one function per change."""

from django.db import transaction
from django.utils import timezone

from config.api.exceptions import DomainError
from tickets.models import (
    DeliveryState,
    NotificationPreference,
    OutboxEvent,
    WebhookDelivery,
    WebhookEndpoint,
)
from tickets.outbox.signing import secret_generate
from tickets.outbox.url_guard import UnsafeURL, url_resolve


def _url_check(url: str) -> None:
    try:
        url_resolve(url)
    except UnsafeURL as refused:
        raise DomainError(str(refused), field="url") from None


def webhook_endpoint_create(
    *,
    url: str,
    event_types: list[str],
    actor,
    secret: str = "",
    description: str = "",
    is_active: bool = True,
) -> WebhookEndpoint:
    """Register an endpoint; its URL must resolve to public addresses (url_guard.py). A
    secret left out is generated (shown once, in the answer)."""
    _url_check(url)
    return WebhookEndpoint.objects.create(
        url=url,
        event_types=event_types,
        secret=secret or secret_generate(),
        description=description,
        is_active=is_active,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )


def webhook_endpoint_update(*, endpoint: WebhookEndpoint, **changes) -> WebhookEndpoint:
    """Change an endpoint. Switching it back on clears why it was disabled and its failure
    streak; its deliveries held meanwhile go out again."""
    if "url" in changes:
        _url_check(changes["url"])
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        for field, value in changes.items():
            setattr(endpoint, field, value)
        if changes.get("is_active"):
            endpoint.disabled_reason = ""
            endpoint.disabled_at = None
            endpoint.failing_since = None
            endpoint.consecutive_failures = 0
        elif changes.get("is_active") is False and endpoint.disabled_at is None:
            endpoint.disabled_at = timezone.now()
        endpoint.save()
    return endpoint


def webhook_redeliver(*, endpoint: WebhookEndpoint, event: OutboxEvent) -> WebhookDelivery:
    """Send one event to the endpoint again, now, with a fresh day of retries (whether it
    was delivered, failed, or never sent there)."""
    if not endpoint.is_active:
        raise DomainError("The endpoint is disabled; enable it first.", field="endpoint")
    now = timezone.now()
    with transaction.atomic():
        delivery, created = WebhookDelivery.objects.select_for_update().get_or_create(
            event=event, endpoint=endpoint, defaults={"next_attempt_at": now}
        )
        if not created:
            delivery.state = DeliveryState.PENDING
            delivery.next_attempt_at = now
            delivery.give_up_at = None
            delivery.attempts = 0
            delivery.save(update_fields=["state", "next_attempt_at", "give_up_at", "attempts"])
    return delivery


def notification_preference_update(*, user, **changes) -> NotificationPreference:
    preference, _ = NotificationPreference.objects.get_or_create(user=user)
    for field, value in changes.items():
        setattr(preference, field, value)
    preference.save()
    return preference
