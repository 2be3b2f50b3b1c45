"""Object-level isolation, enumerated from the URL configuration.

Every API route is listed in ENDPOINTS with what kind of thing it exposes; a route added to
the URL configuration without an entry here fails `test_every_api_route_is_registered`, so no
endpoint ships without its isolation test. Every route that takes a ticket id is then called,
with each of its methods, by a requester and by an agent of another department: each gets the
404 of an unknown id, and nothing changes.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tickets import services
from tickets.models import Ticket, TicketEvent
from tickets.tests.factories import AgentFactory, StaffFactory, TicketFactory, UserFactory

pytestmark = pytest.mark.django_db

# Routes whose id is a ticket's: method -> body. Each is refused to outsiders with a 404.
TICKET_ROUTES = {
    "ticket-detail": {
        "get": None,
        "put": {"title": "Taken over", "description": "Mine now."},
        "patch": {"priority": "URGENT"},
        "delete": None,
    },
    "ticket-assign": {"post": {"assigned_to": "OUTSIDER_AGENT"}},
    "ticket-reassign": {"post": {}},
    "ticket-transition": {"post": {"status": "CLOSED"}},
    "ticket-events": {"get": None},
    "ticket-similar": {"get": None},
    "ticket-ml-predict": {"post": None},
}
# The singular alias /api/ticket/... routes every action above under another name.
TICKET_ROUTES |= {name.replace("ticket-", "ticket-alias-"): m for name, m in TICKET_ROUTES.items()}

# Every other API route, with why an id there is not a ticket's and where its scoping is tested.
ENDPOINTS = {
    **dict.fromkeys(TICKET_ROUTES, "ticket: test_outsiders_get_a_404_on_every_ticket_route"),
    "ticket-list": "visible tickets only: test_list_filters_never_widen_the_scope",
    # The conversation: a ticket's id and a message's (and an attachment's) in it.
    **dict.fromkeys(
        (
            "ticket-message-list",
            "ticket-message-detail",
            "ticket-message-redact",
            "ticket-message-attachment",
        ),
        "the ticket's messages: tickets/conversation/tests/test_isolation.py",
    ),
    "ticket-alias-list": "same view as ticket-list",
    "agent-list": "agents and staff only: test_agent_endpoints_refuse_requesters",
    "agent-alias-list": "same view as agent-list",
    "agent-detail": "an agent id, not a ticket's; agents and staff read, staff change",
    "agent-alias-detail": "same view as agent-detail",
    "agent-me": "the caller's own agent profile, no id (test_api_agents_self.py)",
    "agent-alias-me": "same view as agent-me",
    "calendar-list": "working hours, readable by agents and staff; writes staff only",
    "calendar-detail": "a calendar id; writes staff only (test_api_calendars.py)",
    "sla-policy-list": "SLA policies, readable by agents and staff; writes staff only",
    "sla-policy-detail": "a policy id; writes staff only (tickets/sla/tests/test_api.py)",
    "department-list": "the catalogue, readable by signed-in users; writes staff only",
    "department-detail": "a department id; writes staff only (agents tests)",
    "category-list": "the catalogue, readable by signed-in users; writes staff only",
    "category-detail": "a category id; writes staff only (test_api_categories.py)",
    "ml-train": "staff only: test_model_endpoints_refuse_requesters",
    "ml-model": "agents and staff: test_model_endpoints_refuse_requesters",
    "ml-models": "agents and staff: test_model_endpoints_refuse_requesters",
    "ml-model-activate": "a model version, not a ticket; staff only",
    "ml-jobs": "training jobs, not tickets; staff only: test_only_staff_may_list_jobs",
    "ml-job": "a training job's UUID, not a ticket; staff only: test_ml_jobs.py",
    "analytics-root": "links only; agents and staff",
    "analytics-trends": "department scoped: test_analytics_count_only_the_agents_department",
    "analytics-mttr": "department scoped: test_analytics_count_only_the_agents_department",
    "analytics-backlog": "department scoped: test_analytics_count_only_the_agents_department",
    "analytics-agents": "department scoped: test_analytics_count_only_the_agents_department",
    "analytics-first-response": "department scoped: test_first_response.py (an agent's own)",
    "analytics-triage": "department scoped: test_triage.py (tickets now in their department)",
    "analytics-sla": "department scoped: tickets/sla/tests/test_analytics.py (an agent's own)",
    "analytics-sla-at-risk": "department scoped, as analytics-sla (analytics_tickets)",
    "webhook-list": "staff only: test_only_staff_see_or_register_endpoints (outbox tests)",
    "webhook-detail": "a webhook endpoint id; staff only (outbox test_api_webhooks.py)",
    "webhook-deliveries": "a webhook endpoint id; staff only (test_api_webhooks.py)",
    "webhook-redeliver": "a webhook endpoint id; staff only (test_api_webhooks.py)",
    "notification-preferences": "the caller's own preferences, no id (test_notifications.py)",
    "mail-inbound": "a mail provider's door: shared secret, no id (mail test_doors.py)",
    "api-root": "public links",
    "token_obtain_pair": "credentials in, tokens out (config/api/tests/test_auth.py)",
    "token_refresh": "config/api/tests/test_auth.py",
    "token_verify": "config/api/tests/test_auth.py",
    "token_logout": "config/api/tests/test_jwt_security.py",
    "schema": "public OpenAPI document",
    "swagger-ui": "public documentation page",
}


def api_routes() -> dict[str, set[str]]:
    """URL name -> the keyword arguments its patterns take, for every route under /api/."""

    def walk(patterns, prefix=""):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern):
                yield route, pattern

    routes: dict[str, set[str]] = {}
    for route, pattern in walk(get_resolver().url_patterns):
        if route.lstrip("^").startswith("api/"):
            assert pattern.name, f"unnamed API route {route}"
            kwargs = set(pattern.pattern.regex.groupindex) - {"format"}
            routes.setdefault(pattern.name, set()).update(kwargs)
    return routes


def test_every_api_route_is_registered():
    routes = api_routes()

    missing = sorted(set(routes) - set(ENDPOINTS))
    stale = sorted(set(ENDPOINTS) - set(routes))
    assert not missing, f"API routes without an isolation entry: {missing}"
    assert not stale, f"registered routes that no longer exist: {stale}"


def test_every_route_with_an_id_is_classified_and_ticket_routes_list_their_methods():
    for name, kwargs in api_routes().items():
        if kwargs:
            assert name in ENDPOINTS, name
    for name in TICKET_ROUTES:
        pattern_methods = _view_methods(name)
        assert set(TICKET_ROUTES[name]) == pattern_methods, (
            f"{name}: the test calls {sorted(TICKET_ROUTES[name])}, the view serves "
            f"{sorted(pattern_methods)}"
        )


def _view_methods(name: str) -> set[str]:
    match = get_resolver().resolve(reverse(name, kwargs={"pk": 1}))
    # DRF adds `head` (as `get`) to the actions once a view has served a request.
    return set(getattr(match.func, "actions", {})) - {"head"}


@pytest.fixture
def scene(catalogue):
    """A billing ticket opened by `owner` and routed to `billing`; outsiders all around."""
    billing = AgentFactory(department=catalogue["billing"].department)
    tech = AgentFactory(department=catalogue["bug"].department)
    owner = UserFactory()
    ticket = services.ticket_create(
        title="Invoice overdue", description="My invoice is wrong.", created_by=owner
    )
    assert ticket.assigned_to_id == billing.user_id
    return {
        "catalogue": catalogue,
        "ticket": ticket,
        "owner": owner,
        "billing": billing,
        "tech": tech,
        "stranger": UserFactory(),
        "staff": StaffFactory(),
    }


def _snapshot(ticket) -> tuple:
    row = Ticket.objects.filter(pk=ticket.pk).values().first()
    return row, TicketEvent.objects.filter(ticket_id=ticket.pk).count()


@pytest.mark.parametrize("outsider", ["stranger", "tech"])
@pytest.mark.parametrize(
    ("name", "method"),
    [(name, method) for name, methods in TICKET_ROUTES.items() for method in methods],
)
def test_outsiders_get_a_404_on_every_ticket_route(as_user, scene, outsider, name, method):
    ticket = scene["ticket"]
    user = scene[outsider]
    client = as_user(getattr(user, "user", user))
    body = TICKET_ROUTES[name][method]
    if body and body.get("assigned_to") == "OUTSIDER_AGENT":
        body = {"assigned_to": scene["tech"].user_id}
    before = _snapshot(ticket)

    response = getattr(client, method)(reverse(name, kwargs={"pk": ticket.pk}), body, "json")

    assert response.status_code == 404, (name, method, response.status_code, response.content)
    assert response.json() == {"detail": "No Ticket matches the given query."}
    assert _snapshot(ticket) == before


@pytest.mark.parametrize("name", ["ticket-detail", "ticket-events"])
def test_an_unknown_id_answers_exactly_like_a_hidden_ticket(as_user, scene, name):
    client = as_user(scene["stranger"])

    hidden = client.get(reverse(name, kwargs={"pk": scene["ticket"].pk}))
    unknown = client.get(reverse(name, kwargs={"pk": 10**17}))

    assert (hidden.status_code, hidden.json()) == (unknown.status_code, unknown.json())


def test_those_who_may_see_the_ticket_do(as_user, scene):
    url = reverse("ticket-detail", kwargs={"pk": scene["ticket"].pk})
    for who in ("owner", "billing", "staff"):
        user = scene[who]
        assert as_user(getattr(user, "user", user)).get(url).status_code == 200, who


def test_a_visible_ticket_the_caller_may_not_change_is_a_403(as_user, scene):
    """404 hides what exists; once the caller may see the ticket, the refusal is a 403."""
    ticket = scene["ticket"]
    owner = as_user(scene["owner"])

    transition = owner.post(
        reverse("ticket-transition", kwargs={"pk": ticket.pk}), {"status": "CLOSED"}, "json"
    )
    delete = as_user(scene["billing"].user).delete(
        reverse("ticket-detail", kwargs={"pk": ticket.pk})
    )

    assert transition.status_code == 403
    assert delete.status_code == 403


def _listed(client, **params) -> set[int]:
    response = client.get(reverse("ticket-list"), {"page_size": 100, **params})
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_list_filters_never_widen_the_scope(as_user, scene):
    billing_ticket = scene["ticket"]
    billing = scene["billing"]
    owner = scene["owner"]
    tech_ticket = services.ticket_create(
        title="App crash", description="The app shows an error.", created_by=scene["stranger"]
    )
    stranger = as_user(scene["stranger"])
    assert _listed(stranger) == {tech_ticket.pk}

    for params in (
        {"created_by": owner.pk},
        {"assigned_to": billing.user_id},
        {"department": "billing"},
        {"category": "billing"},
        {"search": "invoice"},
        {"status": "OPEN"},
    ):
        assert billing_ticket.pk not in _listed(stranger, **params), params

    tech = as_user(scene["tech"].user)
    for params in (
        {},
        {"created_by": owner.pk},
        {"assigned_to": billing.user_id},
        {"department": str(billing.department_id)},
        {"category": "billing"},
        {"search": "invoice"},
    ):
        assert billing_ticket.pk not in _listed(tech, **params), params
    assert _listed(tech, created_by=owner.pk) == set()
    assert _listed(tech, assigned_to=billing.user_id) == set()


def test_events_of_a_visible_ticket_are_its_own(as_user, scene):
    ticket = scene["ticket"]
    other = services.ticket_create(title="Invoice", description="Again.", created_by=scene["owner"])

    events = as_user(scene["owner"]).get(reverse("ticket-events", kwargs={"pk": ticket.pk})).json()

    ids = {event["id"] for event in events}
    assert ids == set(TicketEvent.objects.filter(ticket=ticket).values_list("id", flat=True))
    assert not ids & set(TicketEvent.objects.filter(ticket=other).values_list("id", flat=True))


def test_model_endpoints_refuse_requesters(as_user, scene):
    client = as_user(scene["stranger"])

    assert client.get(reverse("ml-model")).status_code == 403
    assert client.get(reverse("ml-models")).status_code == 403
    assert client.post(reverse("ml-train"), {}, "json").status_code == 403


def test_agent_endpoints_refuse_requesters(as_user, scene):
    """A requester learns no agent's name or load; the agent on their own ticket shows there."""
    billing = scene["billing"]
    client = as_user(scene["owner"])

    for name, kwargs in (
        ("agent-list", {}),
        ("agent-alias-list", {}),
        ("agent-detail", {"pk": billing.user_id}),
        ("agent-alias-detail", {"pk": billing.user_id}),
    ):
        assert client.get(reverse(name, kwargs=kwargs)).status_code == 403, name
    ticket = client.get(reverse("ticket-detail", kwargs={"pk": scene["ticket"].pk})).json()
    assert ticket["assigned_to"]["id"] == billing.user_id
    assert as_user(scene["tech"].user).get(reverse("agent-list")).status_code == 200


def test_analytics_count_only_the_agents_department(as_user, scene):
    catalogue = scene["catalogue"]
    for _ in range(3):
        TicketFactory(category=catalogue["bug"])
    TicketFactory(category=catalogue["billing"])
    tech = scene["tech"]
    client = as_user(tech.user)
    tech_tickets = Ticket.objects.filter(department=tech.department)
    billing_tickets = Ticket.objects.filter(department=scene["billing"].department)
    assert billing_tickets.count() == 2

    trends = client.get(reverse("analytics-trends")).json()
    backlog = client.get(reverse("analytics-backlog")).json()
    agents = client.get(reverse("analytics-agents")).json()

    assert trends["total"] == tech_tickets.count() == 3
    assert {row["key"] for row in trends["categories"]} == {"bug"}
    assert backlog["total"] == 3
    assert {row["id"] for row in agents["agents"]} == {tech.user_id}
    assert as_user(scene["stranger"]).get(reverse("analytics-backlog")).status_code == 403


TEXTS = {
    "billing": [
        "Invoice {n} overdue, please refund the double charge on my bill",
        "Billing question about invoice {n} and the payment I made",
    ],
    "bug": [
        "The app crashes with error {n} when I open the settings page",
        "Bug {n}: the export button throws an error and nothing happens",
    ],
}


@pytest.fixture
def trained(scene):
    """A trained model over tickets of every department (so the index holds hidden ones)."""
    from tickets.triage.services import model_train

    catalogue = scene["catalogue"]
    for slug, texts in TEXTS.items():
        for n in range(12):
            TicketFactory(
                category=catalogue[slug],
                title=texts[n % 2].format(n=n),
                description=texts[(n + 1) % 2].format(n=n),
            )
    return model_train(test_size=0.25, min_per_class=5)


def test_similar_results_hold_only_tickets_the_caller_may_see(as_user, scene, trained):
    owner = scene["owner"]
    own = services.ticket_create(
        title="Invoice overdue again", description="Refund my bill please.", created_by=owner
    )

    def similar(user, ticket) -> set[int]:
        url = reverse("ticket-similar", kwargs={"pk": ticket.pk})
        response = as_user(user).get(url, {"top": 20})
        assert response.status_code == 200, response.content
        return {row["ticket"]["id"] for row in response.json()}

    assert similar(owner, own) <= {scene["ticket"].pk}
    assert scene["ticket"].pk in similar(owner, own)

    tech = scene["tech"]
    bug_ticket = Ticket.objects.filter(category__slug="bug").first()
    seen_by_tech = similar(tech.user, bug_ticket)
    visible = set(Ticket.objects.filter(department=tech.department).values_list("pk", flat=True))
    assert seen_by_tech and seen_by_tech <= visible

    staff_sees = similar(scene["staff"], bug_ticket)
    assert staff_sees - visible, "the index does hold tickets of other departments"
