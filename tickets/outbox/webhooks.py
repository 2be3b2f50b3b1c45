"""One webhook delivery attempt: the signed JSON POST, and what it leaves behind (the
attempt's log line, the delivery's state, the endpoint's health)."""

import json
import logging
import time
from datetime import timedelta

import urllib3
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from tickets.models import (
    DeliveryState,
    OutboxEvent,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from tickets.outbox.retry import retry_delay
from tickets.outbox.signing import SIGNATURE_HEADER, signature_header
from tickets.outbox.url_guard import UnsafeURL, url_resolve

logger = logging.getLogger(__name__)

USER_AGENT = "TicketIntelligence-Webhooks/1"


def event_document(event: OutboxEvent) -> dict:
    """The JSON an endpoint receives (the event catalogue: docs/integrations.md)."""
    return {
        "id": str(event.event_id),
        "type": event.kind,
        "created_at": event.occurred_at,
        "ticket_id": event.ticket_id,
        "sequence": event.sequence,
        "actor_id": event.actor_id,
        "data": event.payload,
        "ticket": event.snapshot,
    }


def event_body(event: OutboxEvent) -> bytes:
    return json.dumps(event_document(event), cls=DjangoJSONEncoder, separators=(",", ":")).encode()


def webhook_post(*, url: str, body: bytes, headers: dict) -> int:
    """POST to a URL checked now (UnsafeURL), connecting to the address checked; redirects
    are not followed (a 3xx is a failed attempt). Returns the status code."""
    target = url_resolve(url)
    timeout = settings.WEBHOOK_TIMEOUT_SECONDS
    options = {
        "timeout": urllib3.Timeout(connect=timeout, read=timeout),
        "retries": False,
        "maxsize": 1,
    }
    if target.scheme == "https":
        pool = urllib3.HTTPSConnectionPool(
            target.address,
            target.port,
            server_hostname=target.host,
            assert_hostname=target.host,
            **options,
        )
    else:
        pool = urllib3.HTTPConnectionPool(target.address, target.port, **options)
    default_port = 443 if target.scheme == "https" else 80
    host = target.host if target.port == default_port else f"{target.host}:{target.port}"
    if ":" in target.host and target.port == default_port:
        host = f"[{target.host}]"
    try:
        response = pool.urlopen(
            "POST",
            target.path,
            body=body,
            headers={**headers, "Host": host},
            redirect=False,
            retries=False,
            preload_content=False,
        )
        response.read(65536)  # a bounded look at the answer; the status is what counts
        response.release_conn()
        return response.status
    finally:
        pool.close()


def delivery_attempt(delivery: WebhookDelivery) -> bool:
    """POST the delivery's event to its endpoint once, and record the outcome."""
    event, endpoint = delivery.event, delivery.endpoint
    body = event_body(event)
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Webhook-Id": str(event.event_id),
        "Webhook-Event": event.kind,
        SIGNATURE_HEADER: signature_header(secret=endpoint.secret, timestamp=timestamp, body=body),
    }
    started_at = timezone.now()
    started = time.monotonic()
    status, error = None, ""
    try:
        status = webhook_post(url=endpoint.url, body=body, headers=headers)
        if not 200 <= status < 300:
            error = f"HTTP {status}"
    except UnsafeURL as refused:
        error = str(refused)
    except (urllib3.exceptions.HTTPError, OSError) as failure:
        error = f"{type(failure).__name__}: {failure}"[:1000]
    latency_ms = int((time.monotonic() - started) * 1000)
    attempt_record(
        delivery=delivery,
        started_at=started_at,
        status_code=status,
        latency_ms=latency_ms,
        error=error,
    )
    return not error


def attempt_record(
    *, delivery: WebhookDelivery, started_at, status_code, latency_ms: int, error: str
) -> None:
    """Log the attempt; mark the delivery delivered, due again later, or failed once its
    retries have run a day; disable an endpoint that has failed without a break for
    WEBHOOK_DISABLE_AFTER_HOURS."""
    now = timezone.now()
    ok = not error
    with transaction.atomic():
        WebhookAttempt.objects.create(
            delivery=delivery,
            started_at=started_at,
            status_code=status_code,
            latency_ms=latency_ms,
            error=error,
            ok=ok,
        )
        pending = WebhookDelivery.objects.filter(pk=delivery.pk, state=DeliveryState.PENDING)
        endpoint = WebhookEndpoint.objects.filter(pk=delivery.endpoint_id)
        if ok:
            pending.update(state=DeliveryState.DELIVERED, delivered_at=now, last_error="")
            endpoint.exclude(consecutive_failures=0).update(
                consecutive_failures=0, failing_since=None
            )
            return
        give_up_at = delivery.give_up_at or started_at + timedelta(
            hours=settings.WEBHOOK_RETRY_HOURS
        )
        if now >= give_up_at:
            pending.update(state=DeliveryState.FAILED, last_error=error, give_up_at=give_up_at)
        else:
            pending.update(
                next_attempt_at=now + retry_delay(delivery.attempts),
                last_error=error,
                give_up_at=give_up_at,
            )
        endpoint.update(consecutive_failures=F("consecutive_failures") + 1)
        endpoint.filter(failing_since__isnull=True).update(failing_since=started_at)
        limit = now - timedelta(hours=settings.WEBHOOK_DISABLE_AFTER_HOURS)
        disabled = endpoint.filter(is_active=True, failing_since__lte=limit).update(
            is_active=False,
            disabled_at=now,
            disabled_reason=f"Disabled by the dispatcher at {now:%Y-%m-%d %H:%M} UTC: every "
            f"delivery failed for {settings.WEBHOOK_DISABLE_AFTER_HOURS} hours. Last error: "
            f"{error}",
        )
        if disabled:
            logger.warning("webhook endpoint %s disabled: %s", delivery.endpoint_id, error)
