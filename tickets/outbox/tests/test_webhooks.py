"""Webhook deliveries to a real local HTTP receiver that checks every signature."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from tickets.models import DeliveryState, OutboxEvent, WebhookAttempt, WebhookDelivery
from tickets.outbox.dispatch import dispatch_until_idle
from tickets.outbox.signing import signature_verify
from tickets.outbox.tests.conftest import SECRET
from tickets.services import ticket_create, ticket_transition

pytestmark = pytest.mark.django_db


def open_ticket(requester, title="Refund"):
    return ticket_create(
        title=title, description="charged twice on my invoice", created_by=requester
    )


def test_each_event_is_posted_signed_with_its_id_type_and_snapshot(
    endpoint, receiver, requester, billing_agent, catalogue
):
    ticket = open_ticket(requester)

    dispatch_until_idle()

    assert receiver.bad_signatures == 0
    bodies = receiver.received
    assert [b["type"] for b in bodies] == ["created", "classified", "assigned"]
    assert [b["sequence"] for b in bodies] == [1, 2, 3]
    assert {b["id"] for b in bodies} == {
        str(e) for e in OutboxEvent.objects.values_list("event_id", flat=True)
    }
    assert bodies[0]["ticket"]["id"] == ticket.pk
    assert bodies[0]["ticket"]["assigned_to"]["id"] == billing_agent.user_id
    assert WebhookDelivery.objects.filter(state=DeliveryState.DELIVERED).count() == 3


def test_an_endpoint_gets_only_the_types_it_asked_for(
    endpoint, receiver, staff, requester, catalogue
):
    endpoint.event_types = ["status_changed"]
    endpoint.save()
    ticket = open_ticket(requester)
    ticket_transition(ticket=ticket, status="IN_PROGRESS", actor=staff)

    dispatch_until_idle()

    assert [b["type"] for b in receiver.received] == ["status_changed"]
    assert receiver.received[0]["data"] == {"before": "OPEN", "after": "IN_PROGRESS"}


def test_the_signature_check_refuses_a_changed_body_or_an_old_timestamp():
    from tickets.outbox.signing import signature_header

    body = b'{"id":"1"}'
    header = signature_header(secret=SECRET, timestamp=1_000_000, body=body)
    assert signature_verify(secret=SECRET, header=header, body=body, now=1_000_010)
    assert not signature_verify(secret=SECRET, header=header, body=b'{"id":"2"}', now=1_000_010)
    assert not signature_verify(secret="other-secret", header=header, body=body, now=1_000_010)
    assert not signature_verify(secret=SECRET, header=header, body=body, now=1_000_000 + 3600)


def test_a_receiver_failing_first_gets_the_event_once_it_recovers(
    endpoint, receiver, requester, catalogue
):
    endpoint.event_types = ["created"]
    endpoint.save()
    receiver.fail_next = 2
    open_ticket(requester)

    dispatch_until_idle()
    assert receiver.received == []
    start = timezone.now()
    for hours in (1, 2):
        with time_machine.travel(start + timedelta(hours=hours), tick=True):
            dispatch_until_idle()

    assert receiver.requests == 3
    assert [b["type"] for b in receiver.received] == ["created"]
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == DeliveryState.DELIVERED
    assert [a.status_code for a in delivery.log.order_by("started_at")] == [500, 500, 200]
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 0 and endpoint.failing_since is None


def test_retries_back_off_exponentially_with_jitter(settings):
    from tickets.outbox.retry import retry_delay

    settings.WEBHOOK_RETRY_BASE_SECONDS = 30
    settings.WEBHOOK_RETRY_MAX_DELAY_SECONDS = 3600
    delays = [[retry_delay(n).total_seconds() for _ in range(50)] for n in (1, 2, 3, 10)]
    assert all(15 <= d <= 30 for d in delays[0])
    assert all(30 <= d <= 60 for d in delays[1])
    assert all(60 <= d <= 120 for d in delays[2])
    assert all(1800 <= d <= 3600 for d in delays[3])
    assert len(set(delays[0])) > 1  # jitter


def test_after_a_day_of_failures_the_event_fails_and_the_endpoint_is_disabled(
    as_user, staff, endpoint, receiver, requester, catalogue
):
    endpoint.event_types = ["created"]
    endpoint.save()
    receiver.status = 503
    open_ticket(requester)

    start = timezone.now()
    for hours in range(0, 27, 1):
        with time_machine.travel(start + timedelta(hours=hours), tick=False):
            dispatch_until_idle()

    delivery = WebhookDelivery.objects.get()
    assert delivery.state == DeliveryState.FAILED
    assert 10 <= delivery.attempts <= 40
    body = as_user(staff).get(f"/api/webhooks/{endpoint.pk}/").json()
    assert body["is_active"] is False
    assert "HTTP 503" in body["disabled_reason"]
    log = as_user(staff).get(f"/api/webhooks/{endpoint.pk}/deliveries/").json()["results"]
    assert log[0]["state"] == "failed"
    assert {a["status_code"] for a in log[0]["attempts_log"]} == {503}
    assert all(a["latency_ms"] >= 0 for a in log[0]["attempts_log"])


def test_staff_redeliver_one_event(as_user, staff, endpoint, receiver, requester, catalogue):
    endpoint.event_types = ["created"]
    endpoint.save()
    open_ticket(requester)
    dispatch_until_idle()
    event = OutboxEvent.objects.get(kind="created")

    response = as_user(staff).post(
        f"/api/webhooks/{endpoint.pk}/redeliver/", {"event_id": str(event.event_id)}, format="json"
    )
    assert response.status_code == 202
    dispatch_until_idle()

    assert receiver.ids() == {str(event.event_id): 2}
    assert WebhookAttempt.objects.count() == 2


def test_a_slow_receiver_times_out(settings, endpoint, receiver, requester, catalogue):
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.3
    endpoint.event_types = ["created"]
    endpoint.save()
    receiver.delay = 1.5
    open_ticket(requester)

    dispatch_until_idle()

    attempt = WebhookAttempt.objects.get()
    assert not attempt.ok and "timed out" in attempt.error.lower()
    assert WebhookDelivery.objects.get().state == DeliveryState.PENDING


def test_redirects_are_not_followed(endpoint, receiver, requester, catalogue):
    endpoint.event_types = ["created"]
    endpoint.save()
    receiver.redirect_to = "http://169.254.169.254/latest/meta-data/"
    open_ticket(requester)

    dispatch_until_idle()

    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code == 302 and not attempt.ok
    assert receiver.requests == 1
