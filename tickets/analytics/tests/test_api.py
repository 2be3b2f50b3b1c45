"""Who may read the analytics, what an agent sees, and how bad parameters are refused."""

import pytest
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

from tickets.analytics.tests.conftest import ago, ticket_at
from tickets.tests.factories import AgentFactory

pytestmark = pytest.mark.django_db

ENDPOINTS = [
    "/api/analytics/",
    "/api/analytics/trends/",
    "/api/analytics/mttr/",
    "/api/analytics/first-response/",
    "/api/analytics/backlog/",
    "/api/analytics/agents/",
    "/api/analytics/triage/",
    "/api/analytics/sla/",
    "/api/analytics/sla/at_risk/",
]
WINDOWED = [
    "/api/analytics/trends/",
    "/api/analytics/mttr/",
    "/api/analytics/first-response/",
    "/api/analytics/agents/",
    "/api/analytics/triage/",
    "/api/analytics/sla/",
]


@pytest.mark.parametrize("url", ENDPOINTS)
def test_anonymous_is_401(api_client, url):
    response = api_client.get(url)

    assert response.status_code == 401
    assert "detail" in response.json()


@pytest.mark.parametrize("url", ENDPOINTS)
def test_requester_is_403(as_user, requester, url):
    response = as_user(requester).get(url)

    assert response.status_code == 403
    assert response.json() == {"detail": "Only agents and staff may do this."}


@pytest.mark.parametrize("url", ENDPOINTS)
@pytest.mark.parametrize("who", ["staff", "billing_agent"])
def test_staff_and_agents_are_200(as_user, request, url, who, frozen_now):
    viewer = request.getfixturevalue(who)
    user = getattr(viewer, "user", viewer)

    assert as_user(user).get(url).status_code == 200


def test_the_root_links_every_endpoint_and_the_dashboard(as_user, staff):
    body = as_user(staff).get("/api/analytics/").json()

    assert body == {
        "trends": "http://testserver/api/analytics/trends/",
        "mttr": "http://testserver/api/analytics/mttr/",
        "first_response": "http://testserver/api/analytics/first-response/",
        "backlog": "http://testserver/api/analytics/backlog/",
        "agents": "http://testserver/api/analytics/agents/",
        "triage": "http://testserver/api/analytics/triage/",
        "sla": "http://testserver/api/analytics/sla/",
        "sla_at_risk": "http://testserver/api/analytics/sla/at_risk/",
        "dashboard": "http://testserver/dashboard/",
    }


def test_api_root_links_analytics_and_dashboard(api_client):
    links = api_client.get("/api/").json()["links"]

    assert links["analytics"] == "http://testserver/api/analytics/"
    assert links["dashboard"] == "http://testserver/dashboard/"


@pytest.fixture
def two_departments(catalogue, billing_agent, tech_agent):
    """Billing: 2 open, 1 resolved in 3 h. Technical: 1 open, 1 resolved in 1 h."""
    billing, bug = catalogue["billing"], catalogue["bug"]
    ticket_at(ago(days=1), category=billing, assigned_to=billing_agent.user)
    ticket_at(ago(days=2), category=billing)
    ticket_at(
        ago(days=3, hours=3), resolved=ago(days=3), category=billing, assigned_to=billing_agent.user
    )
    ticket_at(ago(days=1), category=bug, assigned_to=tech_agent.user)
    ticket_at(ago(days=2, hours=1), resolved=ago(days=2), category=bug, assigned_to=tech_agent.user)
    # A billing ticket assigned to the technical agent stays in the billing figures.
    ticket_at(ago(days=1), category=billing, assigned_to=tech_agent.user)


def test_agent_sees_only_their_department(
    as_user, billing_agent, tech_agent, two_departments, frozen_now
):
    client = as_user(billing_agent.user)

    trends = client.get("/api/analytics/trends/").json()
    mttr = client.get("/api/analytics/mttr/", {"by": "agent"}).json()
    backlog = client.get("/api/analytics/backlog/").json()
    agents = client.get("/api/analytics/agents/").json()

    assert [(c["key"], c["count"]) for c in trends["categories"]] == [("billing", 4)]
    assert (mttr["count"], mttr["mean_seconds"]) == (1, 3 * 3600)
    assert [g["key"] for g in mttr["groups"]] == ["billing-agent"]
    assert (backlog["total"], backlog["unassigned"]) == (3, 1)
    assert [d["key"] for d in backlog["by_department"]] == ["billing"]
    assert [a["username"] for a in agents["agents"]] == ["billing-agent"]


def test_staff_see_every_department(as_user, staff, two_departments, frozen_now):
    client = as_user(staff)

    assert client.get("/api/analytics/trends/").json()["total"] == 6
    assert client.get("/api/analytics/mttr/").json()["count"] == 2
    assert client.get("/api/analytics/backlog/").json()["total"] == 4
    assert len(client.get("/api/analytics/agents/").json()["agents"]) == 2


@pytest.mark.parametrize("url", WINDOWED)
@pytest.mark.parametrize("days", ["0", "3651", "-5", "abc", "1.5", ""])
def test_days_outside_1_to_3650_is_400_naming_the_field(as_user, staff, url, days):
    response = as_user(staff).get(url, {"days": days})

    assert response.status_code == 400
    assert list(response.json()) == ["days"]


@pytest.mark.parametrize("url", WINDOWED)
@pytest.mark.parametrize("days", ["1", "3650"])
def test_days_bounds_are_accepted(as_user, staff, url, days):
    response = as_user(staff).get(url, {"days": days})

    assert response.status_code == 200
    assert response.json()["days"] == int(days)


@pytest.mark.parametrize(
    ("url", "params", "field"),
    [
        ("/api/analytics/trends/", {"interval": "month"}, "interval"),
        ("/api/analytics/trends/", {"interval": ""}, "interval"),
        ("/api/analytics/mttr/", {"by": "status"}, "by"),
        ("/api/analytics/mttr/", {"by": "category", "days": "0"}, "days"),
        ("/api/analytics/first-response/", {"by": "status"}, "by"),
        ("/api/analytics/first-response/", {"by": ""}, "by"),
        ("/api/analytics/first-response/", {"by": "agent", "days": "x"}, "days"),
    ],
)
def test_bad_interval_or_breakdown_is_400_naming_the_field(as_user, staff, url, params, field):
    response = as_user(staff).get(url, params)

    assert response.status_code == 400
    assert field in response.json()


def test_a_staff_member_who_is_also_an_agent_sees_everything(
    as_user, catalogue, two_departments, frozen_now
):
    boss = AgentFactory(user__is_staff=True, department=catalogue["billing"].department)

    assert as_user(boss.user).get("/api/analytics/backlog/").json()["total"] == 4


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def test_schema_validates_and_documents_every_endpoint(schema):
    validate_schema(schema)

    for url in ENDPOINTS:
        operation = schema["paths"][url]["get"]
        codes = set(operation["responses"])
        assert {"200", "401", "403"} <= codes, url
        if url in WINDOWED:
            assert "400" in codes, url
            names = {p["name"] for p in operation["parameters"] if p["in"] == "query"}
            assert "days" in names, url
    trends = schema["paths"]["/api/analytics/trends/"]["get"]["parameters"]
    interval = next(p for p in trends if p["name"] == "interval")
    assert interval["schema"]["enum"] == ["day", "week"]
    for url in ("/api/analytics/mttr/", "/api/analytics/first-response/"):
        by = next(p for p in schema["paths"][url]["get"]["parameters"] if p["name"] == "by")
        assert by["schema"]["enum"] == ["category", "priority", "department", "agent"]
