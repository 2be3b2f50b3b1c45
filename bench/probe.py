"""In-process measurements for bench/run.py, against the database the environment names.

SQL queries per request (CaptureQueriesContext around Django's test client, JWT auth as the
load test uses) for every benchmarked endpoint, at two page sizes; in-process latency of
prediction and of similar tickets; and a path deep in the ticket list for the load test.
Prints one JSON object.
"""

import json
import os
import random
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")


def _percentiles(samples: list[float]) -> dict:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return {
        "p50_ms": round(statistics.median(samples), 2),
        "p95_ms": round(cuts[94], 2),
        "p99_ms": round(cuts[98], 2),
    }


def deep_list_path(client, page_size: int = 25) -> str:
    """A list page halfway down the table: a cursor when the API has them, else ?page=."""
    from config.api.pagination import KeysetPagination
    from tickets.models import Ticket

    n = Ticket.objects.count()
    probe = client.get("/api/tickets/?cursor=")
    if probe.status_code == 200 and "count" not in probe.json():
        created_at, pk = Ticket.objects.order_by("-created_at", "-id").values_list(
            "created_at", "id"
        )[n // 2]
        token = KeysetPagination.cursor_encode(created_at, pk)
        return f"/api/tickets/?cursor={quote(token)}&page_size={page_size}"
    return f"/api/tickets/?page={max(1, n // 2 // page_size)}&page_size={page_size}"


def sla_sweep_probe(passes: int = 20) -> dict:
    """The SLA sweep as cron runs it (`sla_check`): one pass that records whatever is due now,
    then `passes` passes with nothing due (the steady state between two instants)."""
    from django.utils import timezone

    from tickets.models import OPEN_STATUSES, Ticket
    from tickets.services.escalation import sla_check

    started = time.perf_counter()
    first = sla_check()
    first_ms = (time.perf_counter() - started) * 1000
    idle = []
    for _ in range(passes):
        started = time.perf_counter()
        report = sla_check()
        idle.append((time.perf_counter() - started) * 1000)
        if report.warnings or report.breaches:
            raise SystemExit("an idle SLA pass recorded events: the probe's premise is wrong")
    return {
        "tickets_with_instants": Ticket.objects.filter(resolution_due__isnull=False).count(),
        "open": Ticket.objects.filter(status__in=OPEN_STATUSES).count(),
        "to_look_at": Ticket.objects.filter(sla_check_at__gt=timezone.now()).count(),
        "first_pass_ms": round(first_ms, 1),
        "first_pass_recorded": first.warnings + first.breaches,
        "idle_pass": {**_percentiles(idle), "max_ms": round(max(idle), 2), "n": passes},
    }


def main() -> None:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from rest_framework_simplejwt.tokens import RefreshToken

    from ml.text import join_ticket_text
    from tickets.models import Ticket
    from tickets.triage.registry import active_model

    staff = get_user_model().objects.get(username="admin")
    token = str(RefreshToken.for_user(staff).access_token)
    client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {token}")
    ids = list(Ticket.objects.order_by("?").values_list("pk", flat=True)[:300])
    deep = deep_list_path(client)

    def count(method: str, url: str, body=None) -> int:
        client.generic(method, url, json.dumps(body) if body else "", "application/json")
        with CaptureQueriesContext(connection) as captured:
            response = client.generic(
                method, url, json.dumps(body) if body else "", "application/json"
            )
        if response.status_code >= 400:
            raise SystemExit(f"{method} {url}: {response.status_code} {response.content[:300]!r}")
        return len(captured)

    body = {"title": "Facture impayée", "description": "Ma facture de mars est impayée."}
    queries = {
        "floor": count("POST", "/bench/floor/", {"title": body["title"]}),
        "create": count("POST", "/api/tickets/", body),
        "list_first page_size=10": count("GET", "/api/tickets/?page_size=10"),
        "list_first page_size=100": count("GET", "/api/tickets/?page_size=100"),
        "list_deep page_size=10": count("GET", deep_list_path(client, 10)),
        "list_deep page_size=100": count("GET", deep_list_path(client, 100)),
        "retrieve": count("GET", f"/api/tickets/{ids[0]}/"),
        "similar top=5": count("GET", f"/api/tickets/{ids[0]}/similar/?top=5"),
        "similar top=20": count("GET", f"/api/tickets/{ids[0]}/similar/?top=20"),
        "agents": count("GET", "/api/agents/"),
    }
    for url in (
        "trends/?days=30",
        "trends/?days=30&interval=day",
        "mttr/?days=30",
        "mttr/?days=30&by=category",
        "backlog/",
        "agents/?days=30",
        "sla/?days=30",
        "sla/at_risk/",
    ):
        queries[f"analytics/{url}"] = count("GET", f"/api/analytics/{url}")

    sweep = sla_sweep_probe()
    model = active_model()
    rows = list(Ticket.objects.filter(pk__in=ids).values_list("title", "description"))
    predict, similar_model, similar_cosine, similar_api = [], [], [], []
    for title, description in rows:
        started = time.perf_counter()
        model.predict(title, description)
        predict.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        model.similar(title, description, top=5)
        similar_model.append((time.perf_counter() - started) * 1000)
        # The same without re-ranking by category (ml/similarity.py), for comparison.
        started = time.perf_counter()
        model.index.query(model.vectorize([join_ticket_text(title, description)]), top=5)
        similar_cosine.append((time.perf_counter() - started) * 1000)
    rng = random.Random(0)
    for pk in rng.sample(ids, min(200, len(ids))):
        started = time.perf_counter()
        client.get(f"/api/tickets/{pk}/similar/?top=5")
        similar_api.append((time.perf_counter() - started) * 1000)
    print(
        json.dumps(
            {
                "tickets": Ticket.objects.count(),
                "id_min": Ticket.objects.order_by("pk").values_list("pk", flat=True).first(),
                "id_max": Ticket.objects.order_by("-pk").values_list("pk", flat=True).first(),
                "token": token,
                "deep_path": deep,
                "queries": queries,
                "in_process": {
                    "predict": _percentiles(predict),
                    "similar_model_top5": _percentiles(similar_model),
                    "similar_model_cosine_only_top5": _percentiles(similar_cosine),
                    "similar_endpoint_top5": _percentiles(similar_api),
                },
                "similarity_index_mb": round(model.index.nbytes / 1e6, 1),
                "sla_sweep": sweep,
            }
        )
    )


if __name__ == "__main__":
    main()
