"""The dashboard in a real browser: Debian's Chromium, headless, driven by Playwright.

Needs `apt-get install -y chromium` (no browser download: Playwright only drives it). Without
it the test skips, saying so, unless REQUIRE_BROWSER_TESTS is set (CI sets it): then it fails.
The screenshot is kept as var/artifacts/dashboard.png. The same session then opens Swagger UI
and the admin: no page may break the Content-Security-Policy.
"""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.servers.basehttp import WSGIServer
from django.db import connections
from django.test.testcases import LiveServerThread, QuietWSGIRequestHandler
from django.utils import timezone
from playwright.sync_api import sync_playwright

from tickets.analytics.tests.conftest import ticket_at
from tickets.models import UNRESOLVED_STATUSES, Priority, SlaPolicy, Ticket, TicketStatus
from tickets.tests.factories import AgentFactory, StaffFactory

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOT = Path(settings.BASE_DIR) / "var" / "artifacts" / "dashboard.png"
PASSWORD = "pass-1234-word"  # the factories' password
CHARTS = [
    "chart-trends",
    "chart-mttr",
    "chart-first-response",
    "chart-backlog",
    "chart-agents",
    "chart-triage",
    "chart-sla",
]

# Every canvas: has a Chart.js chart, and how many of its pixels are painted.
DRAWN = """() => [...document.querySelectorAll("canvas")].map((canvas) => {
  const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 3; i < pixels.length; i += 4) if (pixels[i]) painted++;
  return {id: canvas.id, chart: Boolean(Chart.getChart(canvas)), painted};
})"""
# A function, not an expression: Playwright evaluates an expression with eval(), which the
# Content-Security-Policy refuses.
SETTLED = "() => window.dashboardReady === true || window.dashboardError !== undefined"
# Every Content-Security-Policy violation a page raises, kept where the test can read it.
RECORD_CSP_VIOLATIONS = """window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => window.cspViolations.push(
  `${event.effectiveDirective} refused ${event.blockedURI || "inline"} in ${event.sourceFile}`
));"""


class SerialLiveServerThread(LiveServerThread):
    """Django's live server, answering one request at a time.

    The threaded server would let the page's parallel fetches use the test database's single
    in-memory SQLite connection from several threads at once, which deadlocks.
    """

    def _create_server(self, connections_override=None):
        return WSGIServer(
            (self.host, self.port), QuietWSGIRequestHandler, allow_reuse_address=False
        )


@pytest.fixture
def live_url(transactional_db):
    """The base URL of a live server (serving static files too), stopped after the test."""
    shared = {
        conn.alias: conn
        for conn in connections.all()
        if conn.vendor == "sqlite" and conn.is_in_memory_db()
    }
    for conn in shared.values():
        conn.inc_thread_sharing()
    thread = SerialLiveServerThread("localhost", StaticFilesHandler, connections_override=shared)
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    try:
        if thread.error:
            raise thread.error
        yield f"http://localhost:{thread.port}"
    finally:
        thread.terminate()
        for conn in shared.values():
            conn.dec_thread_sharing()


def help_desk(catalogue) -> int:
    """A month of history over every category, agents with and without capacity, most tickets
    answered, some unresolved ones waiting on the requester; returns how many tickets were
    created in the last 30 days."""
    now = timezone.now()
    agents = [
        AgentFactory(
            user__username="alice", department=catalogue["billing"].department, max_open_tickets=8
        ),
        AgentFactory(
            user__username="chiara", department=catalogue["bug"].department, max_open_tickets=5
        ),
        AgentFactory(user__username="emma", department=catalogue["account"].department),
    ]
    slugs = ["billing", "bug", "account", "feature", None]
    for i in range(60):
        slug = slugs[i % len(slugs)]
        category = catalogue[slug] if slug else None
        created = now - timedelta(days=i % 29, hours=i % 7)
        resolved = created + timedelta(hours=1 + i % 11) if i % 3 else None
        status = TicketStatus.RESOLVED
        if resolved is None:
            status = TicketStatus.PENDING if i % 9 == 0 else TicketStatus.OPEN
        ticket_at(
            created,
            category=category,
            department=category.department if category else None,
            resolved=resolved,
            first_response_at=created + timedelta(minutes=5 + 13 * i) if i % 5 else None,
            status=status,
            priority=list(Priority)[i % 4],
            assigned_to=agents[i % 4].user if i % 4 < 3 else None,
            classified_by=("model", "keywords")[i % 2] if category else "none",
        )
    # Service levels: billing's policy, tickets met, breached and at risk (the SLA panels).
    policy = SlaPolicy.objects.create(name="Billing", department=catalogue["billing"].department)
    hour = timedelta(hours=1)
    for sla in (
        {"first_response_at": now - 3 * hour, "first_response_due": now - 2 * hour},  # met
        {"first_response_due": now - 2 * hour},  # breached
        {"first_response_due": now + hour, "first_response_risk_at": now - hour},  # at risk
    ):
        ticket_at(
            now - 4 * hour,
            category=catalogue["billing"],
            department=catalogue["billing"].department,
            priority=Priority.HIGH,
            assigned_to=agents[0].user,
            sla_policy=policy,
            resolution_due=now + 5 * hour,
            **sla,
        )
    return 63


def test_dashboard_draws_every_chart_without_errors(live_url, catalogue):
    if not CHROMIUM.exists():
        # A newcomer's `make test` runs without a browser; CI (.ci/run) installs one and sets
        # REQUIRE_BROWSER_TESTS, so there the browser's absence fails instead.
        missing = f"{CHROMIUM} is missing: `apt-get install -y chromium` (Debian's Chromium)."
        if os.environ.get("REQUIRE_BROWSER_TESTS"):
            pytest.fail(missing)
        pytest.skip(missing)
    # Everything the database needs happens before Playwright starts its event loop, which
    # Django would take for an async context.
    StaffFactory(username="lead", is_superuser=True)
    created = help_desk(catalogue)
    unresolved = Ticket.objects.filter(status__in=UNRESOLVED_STATUSES)
    pending = unresolved.filter(status=TicketStatus.PENDING).count()
    awaiting = unresolved.filter(first_response_at__isnull=True).count()
    assert pending and awaiting  # the tiles below show figures, not zeros
    problems: list[str] = []

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.add_init_script(RECORD_CSP_VIOLATIONS)
            page.set_default_timeout(20_000)
            page.on("pageerror", lambda error: problems.append(f"JavaScript error: {error}"))
            page.on(
                "console",
                lambda m: m.type == "error" and problems.append(f"console error: {m.text}"),
            )
            page.on(
                "requestfailed",
                lambda r: problems.append(f"request failed: {r.url} ({r.failure})"),
            )
            page.on(
                "response",
                lambda r: r.status >= 400 and problems.append(f"HTTP {r.status}: {r.url}"),
            )

            page.goto(f"{live_url}/admin/login/?next=/dashboard/")
            page.fill("#id_username", "lead")
            page.fill("#id_password", PASSWORD)
            page.click("input[type=submit]")
            page.wait_for_url("**/dashboard/")
            page.wait_for_function(SETTLED, timeout=20_000)
            first = page.evaluate(DRAWN)
            tiles = page.inner_text(".tiles")

            page.select_option("#days", "365")  # the days selector fetches and draws again
            page.wait_for_function(SETTLED, timeout=20_000)
            error = page.evaluate("window.dashboardError || null")
            again = page.evaluate(DRAWN)
            page.select_option("#days", "30")
            page.wait_for_function(SETTLED, timeout=20_000)

            SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOT), full_page=True)
            violations = {"/dashboard/": page.evaluate("window.cspViolations")}

            # Swagger UI draws the schema (its start-up script ran); the admin pages render.
            page.goto(f"{live_url}/api/docs/")
            page.wait_for_selector(".swagger-ui .info .title", timeout=20_000)
            page.wait_for_selector(".opblock", timeout=20_000)
            violations["/api/docs/"] = page.evaluate("window.cspViolations")
            for path in ("/admin/", "/admin/tickets/ticket/", "/admin/tickets/ticket/add/"):
                page.goto(f"{live_url}{path}")
                page.wait_for_selector("#content", timeout=20_000)
                violations[path] = page.evaluate("window.cspViolations")
        finally:
            browser.close()

    assert problems == []
    assert violations == dict.fromkeys(violations, [])
    assert error is None
    for drawn in (first, again):
        assert [c["id"] for c in drawn] == CHARTS
        assert all(c["chart"] and c["painted"] > 1000 for c in drawn), drawn
    assert f"{created}\ntickets created" in tiles
    assert f"{awaiting}\nawaiting a first response" in tiles
    assert f"{pending}\npending (waiting on the requester)" in tiles
    assert SCREENSHOT.stat().st_size > 10_000
