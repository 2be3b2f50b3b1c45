"""The Content-Security-Policy header on the pages a browser renders (admin, dashboard, Swagger
UI), and pages the policy lets work: no inline script, no <style> element, no event-handler
attribute, nothing from another origin. The browser test of the dashboard
(tickets/analytics/tests/test_dashboard_browser.py) checks the same pages raise no violation."""

import re

import pytest

from tickets.tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

PAGES = [
    "/admin/",
    "/admin/tickets/ticket/",
    "/admin/tickets/ticket/add/",
    "/dashboard/",
    "/api/docs/",
]
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>")
STYLE_ELEMENT = re.compile(r"<style[\s>]")
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+=", re.IGNORECASE)
OTHER_ORIGIN = re.compile(r"""(?:src|href)=["'](?:https?:)?//""")


def policy(response) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy", "")
    directives = [part.split() for part in header.split(";") if part.strip()]
    return {name: values for name, *values in directives}


@pytest.fixture
def signed_in(client):
    client.force_login(StaffFactory(is_superuser=True))
    return client


@pytest.mark.parametrize("path", PAGES)
def test_every_page_a_browser_renders_has_the_policy(signed_in, path):
    response = signed_in.get(path)

    assert response.status_code == 200, path
    found = policy(response)
    assert found["default-src"] == ["'self'"]
    assert found["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval'
    assert found["style-src"] == ["'self'"]
    assert found["object-src"] == ["'none'"]
    assert found["frame-ancestors"] == ["'none'"]
    assert found["base-uri"] == ["'none'"]


@pytest.mark.parametrize("path", PAGES)
def test_no_page_needs_what_the_policy_refuses(signed_in, path):
    html = signed_in.get(path).content.decode()

    assert INLINE_SCRIPT.findall(html) == []
    assert STYLE_ELEMENT.findall(html) == []
    assert EVENT_HANDLER.findall(html) == []
    assert OTHER_ORIGIN.findall(html) == []


@pytest.mark.parametrize("path", ["/dashboard/", "/admin/login/"])
def test_the_login_forms_of_a_signed_out_visitor_too(client, path):
    response = client.get(path)

    assert response.status_code == 200
    assert policy(response)["script-src"] == ["'self'"]
    assert INLINE_SCRIPT.findall(response.content.decode()) == []


def test_swagger_ui_starts_from_a_script_of_its_own_url(signed_in):
    page = signed_in.get("/api/docs/").content.decode()
    start = re.search(r'<script src="(/api/docs/\?[^"]*script=[^"]*)"', page)

    assert start, page
    script = signed_in.get(start[1].replace("&amp;", "&"))
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle(" in script.content
    assert b'"validatorUrl": null' in script.content  # no badge fetched from swagger.io
