"""The dispatcher as real processes (`manage.py deliver_events`) on PostgreSQL: killed in the
middle of a delivery it loses nothing, and two at once never deliver one event twice."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

from tickets.models import DeliveryState, OutboxEvent, WebhookDelivery, WebhookEndpoint
from tickets.outbox.tests.conftest import SECRET
from tickets.services import ticket_create
from tickets.tests.processes import database_url

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(settings.BASE_DIR)


@pytest.fixture(autouse=True)
def _postgres_only():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("row locks (SKIP LOCKED) need PostgreSQL")


def dispatcher(*args: str, lease: int = 2) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.test_settings",
        "DATABASE_URL": database_url(),
        "WEBHOOK_ALLOW_PRIVATE_URLS": "true",
        "OUTBOX_LEASE_SECONDS": str(lease),
        "OUTBOX_POLL_SECONDS": "0.1",
    }
    return subprocess.Popen(  # noqa: S603 - our own command
        [sys.executable, "manage.py", "deliver_events", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def tickets(requester, n: int) -> set[str]:
    for i in range(n):
        ticket_create(title=f"Refund {i}", description="charged twice", created_by=requester)
    return {str(e) for e in OutboxEvent.objects.values_list("event_id", flat=True)}


def wait_for(condition, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_dispatcher_killed_mid_delivery_loses_nothing(receiver, requester, catalogue):
    WebhookEndpoint.objects.create(url=receiver.url, event_types=["*"], secret=SECRET)
    event_ids = tickets(requester, 4)
    receiver.holding = True  # the first POST waits: the dispatcher is killed meanwhile

    first = dispatcher()
    try:
        assert receiver.held.wait(90), first.stderr.read1().decode() if first.stderr else ""
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(30)
    assert WebhookDelivery.objects.filter(state=DeliveryState.PENDING).exists()
    receiver.holding = False
    receiver.hold.set()  # the receiver got that event, but its sender never heard back

    time.sleep(2.5)  # the killed dispatcher's lease runs out
    second = dispatcher("--once")
    assert second.wait(120) == 0, second.stderr.read().decode()

    received = receiver.ids()
    assert set(received) == event_ids  # nothing lost
    duplicates = {event_id for event_id, count in received.items() if count > 1}
    # Delivered again: the event in flight when it was killed, a duplicate by its id only.
    assert len(duplicates) == 1
    assert receiver.bad_signatures == 0
    assert not WebhookDelivery.objects.exclude(state=DeliveryState.DELIVERED).exists()


def test_two_dispatchers_at_once_claim_each_delivery_once(receiver, requester, catalogue):
    WebhookEndpoint.objects.create(url=receiver.url, event_types=["*"], secret=SECRET)
    event_ids = tickets(requester, 20)

    processes = [dispatcher(lease=120) for _ in range(2)]
    try:
        wait_for(lambda: len(receiver.ids()) == len(event_ids))
        time.sleep(0.5)
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(30)

    received = receiver.ids()
    assert set(received) == event_ids
    assert set(received.values()) == {1}
