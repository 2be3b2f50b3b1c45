"""Webhook delivery throughput: events delivered per second to a local receiver by N
dispatcher processes (`manage.py deliver_events`, the code Celery's task runs).

Against the database DATABASE_URL names (migrated, with at least one ticket): writes
--events outbox rows carrying a real ticket's snapshot, registers one endpoint for a
receiver in this process (which checks every signature), starts --workers dispatchers and
reports events per second between the first and the last delivery. It deletes the rows and
the endpoint it made. A benchmark, not a test: run it by hand (docs/performance.md).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wt_outbox \\
        .venv/bin/python bench/outbox_bench.py --events 3000 --workers 2
"""

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["WEBHOOK_ALLOW_PRIVATE_URLS"] = "true"

import django  # noqa: E402

django.setup()

from django.db.models import Max, Min  # noqa: E402

from tickets.models import (  # noqa: E402
    DeliveryState,
    OutboxEvent,
    Ticket,
    WebhookDelivery,
    WebhookEndpoint,
)
from tickets.outbox.recording import ticket_snapshot  # noqa: E402
from tickets.outbox.tests.receiver import Receiver  # noqa: E402

SECRET = "whsec_bench-secret-0123456789abcdef"  # noqa: S105 - a throwaway benchmark secret


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    receiver = Receiver(SECRET)
    ticket = Ticket.objects.select_related(
        "category", "department", "created_by", "assigned_to"
    ).first()
    snapshot = ticket_snapshot(ticket)
    endpoint = WebhookEndpoint.objects.create(url=receiver.url, event_types=["*"], secret=SECRET)
    events = OutboxEvent.objects.bulk_create(
        OutboxEvent(kind="updated", payload={"bench": i}, snapshot=snapshot)
        for i in range(args.events)
    )
    env = {**os.environ, "OUTBOX_POLL_SECONDS": "0.2", "DJANGO_LOG_LEVEL": "WARNING"}
    workers = [
        subprocess.Popen(  # noqa: S603 - our own command
            [sys.executable, "manage.py", "deliver_events"], cwd=ROOT, env=env
        )
        for _ in range(args.workers)
    ]
    try:
        deliveries = WebhookDelivery.objects.filter(endpoint=endpoint)
        while deliveries.filter(state=DeliveryState.DELIVERED).count() < args.events:
            time.sleep(0.5)
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(30)
    span = deliveries.aggregate(first=Min("delivered_at"), last=Max("delivered_at"))
    seconds = (span["last"] - span["first"]).total_seconds()
    received = receiver.ids()
    print(
        f"{args.events} events, {args.workers} dispatchers: {args.events / seconds:.0f} "
        f"events/s ({seconds:.1f} s first to last delivery); received {len(received)} ids, "
        f"{sum(received.values()) - len(received)} duplicates, "
        f"{receiver.bad_signatures} bad signatures; load average {os.getloadavg()[0]:.1f}"
    )
    OutboxEvent.objects.filter(pk__in=[event.pk for event in events]).delete()
    endpoint.delete()
    receiver.close()


if __name__ == "__main__":
    main()
