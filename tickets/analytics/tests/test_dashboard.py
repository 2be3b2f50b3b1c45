"""/dashboard/: who gets in, how they sign in, and that the page needs nothing from outside."""

import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from tickets.tests.factories import AgentFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/dashboard/"
PASSWORD = "pass-1234-word"  # the factories' password


def assets(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]+)"', html)


def test_anonymous_get_the_login_form(client):
    response = client.get(URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="username"' in html and 'name="password"' in html
    assert "chart-trends" not in html


def test_an_agent_signs_in_on_the_page_and_sees_the_charts(client, catalogue):
    agent = AgentFactory(user__username="ines", department=catalogue["billing"].department)

    response = client.post(URL, {"username": "ines", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == URL
    page = client.get(URL)
    assert page.status_code == 200
    assert agent.user.username in page.content.decode()
    for chart in ("trends", "mttr", "first-response", "backlog", "agents", "triage"):
        assert f'id="chart-{chart}"' in page.content.decode()


def test_the_login_form_carries_its_csrf_token(catalogue):
    AgentFactory(user__username="ines", department=catalogue["billing"].department)
    browser = Client(enforce_csrf_checks=True)
    form = browser.get(URL)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.content.decode())

    refused = browser.post(URL, {"username": "ines", "password": PASSWORD})
    accepted = browser.post(
        URL, {"username": "ines", "password": PASSWORD, "csrfmiddlewaretoken": token[1]}
    )

    assert refused.status_code == 403
    assert accepted.status_code == 302


def test_wrong_password_stays_on_the_form(client):
    UserFactory(username="ines")

    response = client.post(URL, {"username": "ines", "password": "wrong"})

    assert response.status_code == 200
    assert "correct username and password" in response.content.decode()


def test_staff_sign_in_through_the_admin_login(client):
    StaffFactory(username="boss")

    response = client.post(
        f"/admin/login/?next={URL}", {"username": "boss", "password": PASSWORD, "next": URL}
    )

    assert response.status_code == 302
    assert response["Location"] == URL
    assert client.get(URL).status_code == 200


def test_requesters_are_refused(client, requester):
    client.force_login(requester)

    assert client.get(URL).status_code == 403


def test_the_page_reads_the_api_and_loads_only_its_own_assets(admin_client):
    html = admin_client.get(URL).content.decode()

    local = [a for a in assets(html) if a.startswith("/static/")]
    assert "/static/dashboard/vendor/chart.umd.min.js" in local
    assert "/static/dashboard/dashboard.js" in local
    assert not [a for a in assets(html) if re.match(r"^(https?:)?//", a)]
    assert "cdn" not in html.lower()
    for asset in local:
        assert finders.find(asset.removeprefix("/static/")), asset
    assert '"/api/analytics/trends/"' in html  # the endpoints, handed to the script


def test_the_chart_library_is_vendored_with_its_licence():
    library = Path(finders.find("dashboard/vendor/chart.umd.min.js"))

    assert library.read_text().startswith("/*!\n * Chart.js v4.")
    assert "sourceMappingURL" not in library.read_text()
    assert "MIT License" in (library.parent / "LICENSE.md").read_text()
    script = Path(finders.find("dashboard/dashboard.js")).read_text()
    assert not re.search(r"https?://", script)


@pytest.mark.parametrize("url", ["/admin/", "/admin/tickets/ticket/"])
def test_the_admin_links_to_the_dashboard(admin_client, url):
    html = admin_client.get(url).content.decode()

    assert f'<a href="{URL}">Support dashboard</a>' in html


def test_logout_from_the_dashboard_comes_back_to_the_login_form(admin_client):
    response = admin_client.post("/admin/logout/", {"next": URL})

    assert response.status_code == 302
    assert response["Location"] == URL
    assert 'name="password"' in admin_client.get(URL).content.decode()
