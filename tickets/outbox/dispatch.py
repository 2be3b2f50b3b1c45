"""The dispatcher: fans pending events out to deliveries and notifications, then delivers
them. Any number of dispatchers may run at once (Celery workers on several hosts, or
`manage.py deliver_events`): each claims its rows with `FOR UPDATE SKIP LOCKED`.

At-least-once: a claimed delivery's `next_attempt_at` moves OUTBOX_LEASE_SECONDS ahead (its
lease) in a short committed transaction before the POST; a dispatcher killed mid-delivery
records nothing, and the row is claimable again once the lease runs out. Receivers
de-duplicate by the event id. SQLite has no row locks: run a single dispatcher there."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from tickets.models import (
    DeliveryState,
    Notification,
    OutboxEvent,
    WebhookDelivery,
    WebhookEndpoint,
)
from tickets.outbox.notifications import notification_send, notifications_for
from tickets.outbox.webhooks import delivery_attempt

logger = logging.getLogger(__name__)


def outbox_route(*, limit: int = 200) -> int:
    """Make the deliveries (one per active endpoint that wants the kind) and the email
    notifications of events not routed yet, in one transaction: each event exactly once."""
    now = timezone.now()
    with transaction.atomic():
        events = list(
            OutboxEvent.objects.filter(routed_at__isnull=True)
            .order_by("id")
            .select_for_update(skip_locked=True)[:limit]
        )
        if not events:
            return 0
        endpoints = list(WebhookEndpoint.objects.filter(is_active=True))
        WebhookDelivery.objects.bulk_create(
            [
                WebhookDelivery(event=event, endpoint=endpoint, next_attempt_at=now)
                for event in events
                for endpoint in endpoints
                if endpoint.wants(event.kind)
            ],
            ignore_conflicts=True,
        )
        Notification.objects.bulk_create(notifications_for(events), ignore_conflicts=True)
        OutboxEvent.objects.filter(pk__in=[event.pk for event in events]).update(routed_at=now)
    return len(events)


def _claim(queryset, *, limit: int) -> list[int]:
    """Due pending rows, leased to this dispatcher (committed before any delivery)."""
    now = timezone.now()
    lease = timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
    with transaction.atomic():
        ids = list(
            queryset.filter(state=DeliveryState.PENDING, next_attempt_at__lte=now)
            .order_by("next_attempt_at", "id")
            .select_for_update(skip_locked=True, of=("self",))
            .values_list("pk", flat=True)[:limit]
        )
        queryset.model.objects.filter(pk__in=ids).update(
            next_attempt_at=now + lease, attempts=F("attempts") + 1
        )
    return ids


def deliveries_send(*, limit: int = 50) -> int:
    ids = _claim(WebhookDelivery.objects.filter(endpoint__is_active=True), limit=limit)
    # In the order the events were written (receivers still order by `sequence`).
    for delivery in (
        WebhookDelivery.objects.filter(pk__in=ids)
        .select_related("event", "endpoint")
        .order_by("event_id", "id")
    ):
        delivery_attempt(delivery)
    return len(ids)


def notifications_send(*, limit: int = 50) -> int:
    ids = _claim(Notification.objects.all(), limit=limit)
    if ids:
        notification_send(
            list(
                Notification.objects.filter(pk__in=ids)
                .select_related("event", "recipient", "recipient__notification_preference")
                .order_by("event_id", "id")
            )
        )
    return len(ids)


def dispatch_once() -> int:
    """One pass: route new events, then send what is due. Returns the rows handled."""
    return outbox_route() + deliveries_send() + notifications_send()


def dispatch_until_idle(*, budget_seconds: float | None = None) -> int:
    """Passes until nothing is due (or the time budget is spent); returns the rows handled."""
    started = timezone.now()
    total = 0
    while True:
        handled = dispatch_once()
        total += handled
        if not handled:
            return total
        if budget_seconds is not None and (timezone.now() - started).total_seconds() > (
            budget_seconds
        ):
            return total
