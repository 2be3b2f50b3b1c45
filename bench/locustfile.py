"""Load for one endpoint at a time, driven by bench/run.py (locust --headless).

Environment: BENCH_SCENARIO (a key of SCENARIOS), BENCH_TOKEN (a JWT access token),
BENCH_ID_MIN/BENCH_ID_MAX (ticket ids to read), BENCH_DEEP_PATH (a list page deep in the table).
Every user sends requests back to back (no think time): a closed loop of N clients.
"""

import os
import random
import sys
from pathlib import Path

from locust import FastHttpUser, constant, task

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tickets.demo.text import pick_category, ticket_text  # noqa: E402 - plain data, no Django

TOKEN = os.environ.get("BENCH_TOKEN", "")
ID_MIN = int(os.environ.get("BENCH_ID_MIN", "1"))
ID_MAX = int(os.environ.get("BENCH_ID_MAX", "1"))
DEEP_PATH = os.environ.get("BENCH_DEEP_PATH", "/api/tickets/")


def _random_id() -> int:
    return random.randint(ID_MIN, ID_MAX)  # noqa: S311 - load, not security


def _new_ticket() -> dict:
    rng = random.Random()  # noqa: S311
    title, description, _language = ticket_text(pick_category(rng), rng)
    return {"title": title, "description": description, "priority": "MEDIUM"}


# name -> (method, path or a function returning one, body function or None)
SCENARIOS = {
    "floor": ("POST", "/bench/floor/", lambda: {"title": _new_ticket()["title"]}),
    "create": ("POST", "/api/tickets/", _new_ticket),
    "list_first": ("GET", "/api/tickets/", None),
    "list_deep": ("GET", DEEP_PATH, None),
    "retrieve": ("GET", lambda: f"/api/tickets/{_random_id()}/", None),
    "similar": ("GET", lambda: f"/api/tickets/{_random_id()}/similar/?top=5", None),
    "agents": ("GET", "/api/agents/", None),
    "trends": ("GET", "/api/analytics/trends/?days=30", None),
    "trends_day": ("GET", "/api/analytics/trends/?days=30&interval=day", None),
    "mttr": ("GET", "/api/analytics/mttr/?days=30", None),
    "mttr_category": ("GET", "/api/analytics/mttr/?days=30&by=category", None),
    "backlog": ("GET", "/api/analytics/backlog/", None),
    "analytics_agents": ("GET", "/api/analytics/agents/?days=30", None),
    "sla": ("GET", "/api/analytics/sla/?days=30", None),
    "sla_at_risk": ("GET", "/api/analytics/sla/at_risk/", None),
}
SCENARIO = os.environ.get("BENCH_SCENARIO", "list_first")


class ApiClient(FastHttpUser):
    wait_time = constant(0)

    @task
    def call(self) -> None:
        method, path, body = SCENARIOS[SCENARIO]
        url = path() if callable(path) else path
        headers = {"Authorization": f"Bearer {TOKEN}"}
        with self.client.request(
            method,
            url,
            json=body() if body else None,
            headers=headers,
            name=SCENARIO,
            catch_response=True,
        ) as response:
            if response.status_code >= 400:
                response.failure(f"HTTP {response.status_code}: {response.text[:200]}")
            else:
                response.success()
