"""A requester who signs in to the dashboard is told it is for agents and staff, and can sign
out from there; so can an agent from the charts (POST with the page's CSRF token: Django's
logout accepts nothing else, and the admin's signs out staff only)."""

import re

import pytest
from django.test import Client

from tickets.tests.factories import AgentFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/dashboard/"
LOGOUT = "/dashboard/logout/"
PASSWORD = "pass-1234-word"  # the factories' password
CSRF = r'name="csrfmiddlewaretoken" value="([^"]+)"'


def sign_in_on_the_page(username: str) -> Client:
    browser = Client(enforce_csrf_checks=True)
    token = re.search(CSRF, browser.get(URL).content.decode())[1]
    response = browser.post(
        URL, {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    return browser


def sign_out_form(html: str) -> tuple[str, str]:
    """The sign-out form's action and CSRF token."""
    pattern = r'<form method="post" action="([^"]+)" class="logout">(.*?)</form>'
    form = re.search(pattern, html, re.S)
    assert form, html
    return form[1], re.search(CSRF, form[2])[1]


def assert_signs_out(browser: Client, html: str):
    action, token = sign_out_form(html)
    assert action == LOGOUT
    assert browser.get("/api/tickets/").status_code == 200  # signed in until now

    response = browser.post(action, {"csrfmiddlewaretoken": token})

    assert response.status_code == 302
    assert response["Location"] == URL
    assert 'name="password"' in browser.get(URL).content.decode()
    assert browser.get("/api/tickets/").status_code == 401


def test_a_requester_is_told_why_and_can_sign_out():
    UserFactory(username="rita")
    browser = sign_in_on_the_page("rita")

    refused = browser.get(URL)

    assert refused.status_code == 403
    html = refused.content.decode()
    assert "The dashboard is for agents and staff" in html
    assert "rita" in html
    assert "chart-trends" not in html
    assert_signs_out(browser, html)


def test_an_agent_signs_out_from_the_charts(catalogue):
    AgentFactory(user__username="ines", department=catalogue["billing"].department)
    browser = sign_in_on_the_page("ines")

    page = browser.get(URL)

    assert page.status_code == 200
    assert_signs_out(browser, page.content.decode())


def test_signing_out_needs_a_post_with_the_pages_csrf_token(requester):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(requester)

    assert browser.get(LOGOUT).status_code == 405
    assert browser.post(LOGOUT).status_code == 403
    assert browser.get(URL).status_code == 403  # still signed in
