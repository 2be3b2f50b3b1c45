"""Smoke checks against a running server, as a newcomer would try it (stdlib only)."""

import json
import re
import sys
import urllib.request

BASE = sys.argv[1]


def call(method: str, path: str, body=None, token: str | None = None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(BASE + path, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - our server
        raw = response.read()
        return response.status, raw, response.headers.get("Content-Type", "")


def check(condition: bool, message: str) -> None:
    if not condition:
        print(f"FAIL: {message}")
        sys.exit(1)
    print(f"ok: {message}")


status, raw, _ = call("GET", "/api/")
root = json.loads(raw)
check(status == 200 and root["message"] == "Bienvenue sur l'API de Routage de Tickets", "GET /api/")

status, raw, ctype = call("GET", "/api/docs/")
html = raw.decode()
check(status == 200 and "text/html" in ctype and "swagger-ui" in html, "GET /api/docs/")
check(
    "http://" not in html and "https://" not in html.replace("https://swagger.io", ""),
    "docs load nothing from the internet",
)
assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', html)
check(bool(assets), "docs reference local static files")
for asset in assets:
    status, raw, _ = call("GET", asset)
    check(status == 200 and len(raw) > 100, f"static file {asset}")

status, raw, _ = call("POST", "/api/token/", {"username": "demo", "password": "demo-pass"})
token = json.loads(raw)["access"]
check(status == 200 and bool(token), "POST /api/token/")

status, raw, _ = call(
    "POST",
    "/api/tickets/",
    {"subject": "Facture impayée", "description": "Bonjour, ma facture de mars est impayée."},
    token,
)
ticket = json.loads(raw)
check(status == 201, "POST /api/tickets/ (French billing ticket)")
check(ticket["category"]["slug"] == "billing", f"classified as billing ({ticket['classified_by']})")
check(ticket["department"]["slug"] == "billing", "sent to the Billing department")
agent = ticket["assigned_to"]
check(agent is not None, f"assigned to an agent ({agent})")
staff_token = json.loads(
    call("POST", "/api/token/", {"username": "admin", "password": "admin-demo-pass"})[1]
)["access"]
agents = json.loads(call("GET", "/api/agents/", token=staff_token)[1])["results"]
billing_agents = {a["id"] for a in agents if a["department"]["slug"] == "billing"}
check(agent["id"] in billing_agents, "the agent works in Billing")
