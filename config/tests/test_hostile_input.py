"""Malformed and hostile input: always a 4xx JSON answer that names the problem, never a 500.

Runs on SQLite and PostgreSQL (NUL bytes, huge integers and invalid text are where the two
differ most).
"""

import json
import runpy
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.test import Client

from agents.models import Department
from config.api.parsers import MAX_JSON_DEPTH
from tickets.models import Category, Ticket
from tickets.tests.factories import AgentFactory, TicketFactory

pytestmark = pytest.mark.django_db

TICKETS = "/api/tickets/"
VALID = {"title": "Facture impayée", "description": "Ma facture est impayée."}


@pytest.fixture
def client(as_user, staff, catalogue):
    return as_user(staff)


def post_raw(client, body: bytes | str, content_type="application/json", path=TICKETS):
    return client.generic("POST", path, body, content_type=content_type)


def assert_json_400(response, *fields):
    assert response.status_code == 400, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    for field in fields:
        assert field in body, body
    return body


# NUL bytes


@pytest.mark.parametrize("field", ["title", "description"])
def test_nul_byte_in_a_body_field_is_a_400_naming_it(client, field):
    body = assert_json_400(client.post(TICKETS, {**VALID, field: "a\x00b"}, "json"), field)

    assert "Null characters" in body[field][0]
    assert Ticket.objects.count() == 0


@pytest.mark.parametrize(
    "params",
    [
        {"search": "a\x00b"},
        {"category": "\x00"},
        {"department": "x\x00"},
        {"ordering": "\x00"},
        {"status\x00": "OPEN"},
    ],
)
def test_nul_byte_in_a_query_parameter_is_a_400(client, params):
    body = assert_json_400(client.get(TICKETS, params), "detail")

    assert "NUL" in body["detail"]


def test_nul_byte_in_the_path_is_a_400(client):
    assert_json_400(client.post("/api/ml/models/v%00/activate/"), "detail")
    assert_json_400(client.get("/api/tickets/1%00/"), "detail")


def test_nul_byte_in_a_slug_reference_is_a_400(client):
    ticket = TicketFactory()

    response = client.patch(f"{TICKETS}{ticket.pk}/", {"category": "bill\x00ing"}, "json")

    assert_json_400(response, "category")


# Encodings


@pytest.mark.parametrize(
    "raw",
    [
        b'{"title": "\xff\xfe", "description": "x"}',
        b'{"title": "caf\xe9", "description": "x"}',  # latin-1, not UTF-8
        b"\xc3\x28",
    ],
)
def test_invalid_utf8_body_is_a_400(client, raw):
    body = assert_json_400(post_raw(client, raw), "detail")

    assert "utf-8" in body["detail"].lower()
    assert Ticket.objects.count() == 0


@pytest.mark.parametrize("charset", ["rot13", "base64", "zlib"])
def test_a_charset_that_is_not_a_text_encoding_is_a_400(client, charset):
    response = post_raw(client, json.dumps(VALID), f"application/json; charset={charset}")

    assert response.status_code == 400, response.content
    assert Ticket.objects.count() == 0


def test_a_body_in_its_declared_charset_is_read(client):
    response = post_raw(
        client,
        json.dumps(VALID, ensure_ascii=False).encode("utf-16"),
        "application/json; charset=utf-16",
    )

    assert response.status_code == 201, response.content
    assert response.json()["title"] == VALID["title"]


def test_lone_surrogate_is_a_400(client):
    response = post_raw(client, '{"title": "\\ud800", "description": "x"}')

    assert_json_400(response, "title")


def test_invalid_utf8_in_the_query_string_is_not_a_500(client):
    response = client.get(TICKETS + "?search=%ff%fe&category=%c3%28")

    assert response.status_code == 200


# JSON shape


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 5_000, 200_000])
def test_deeply_nested_json_is_a_400(client, depth):
    raw = '{"title": ' + "[" * depth + "]" * depth + ', "description": "x"}'

    body = assert_json_400(post_raw(client, raw), "detail")

    assert "nested deeper" in body["detail"]


@pytest.mark.parametrize("raw", ['{"title": NaN, "description": "x"}', '{"title": Infinity}'])
def test_nan_and_infinity_are_a_400(client, raw):
    assert_json_400(post_raw(client, raw), "detail")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**VALID, "title": 42}, "title"),
        ({**VALID, "title": ["a"]}, "title"),
        ({**VALID, "description": {"a": 1}}, "description"),
        ({**VALID, "priority": 30}, "priority"),
        ({**VALID, "title": True}, "title"),
    ],
)
def test_wrong_json_types_are_a_400_naming_the_field(client, body, field):
    assert_json_400(client.post(TICKETS, body, "json"), field)
    assert Ticket.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"is_available": "false"}, "is_available"),
        ({"is_available": 0}, "is_available"),
        ({"max_open_tickets": "5"}, "max_open_tickets"),
        ({"max_open_tickets": True}, "max_open_tickets"),
        ({"max_open_tickets": 2.5}, "max_open_tickets"),
    ],
)
def test_agent_fields_are_typed_strictly(client, catalogue, body, field):
    agent = AgentFactory(department=catalogue["billing"].department)

    assert_json_400(client.patch(f"/api/agents/{agent.user_id}/", body, "json"), field)


def test_a_whole_float_is_an_integer(client, catalogue):
    agent = AgentFactory(department=catalogue["billing"].department)

    response = client.patch(f"/api/agents/{agent.user_id}/", {"max_open_tickets": 5.0}, "json")

    assert response.status_code == 200
    assert response.json()["max_open_tickets"] == 5


@pytest.mark.parametrize(
    ("path", "body", "unknown"),
    [
        (TICKETS, {**VALID, "titel": "typo"}, "titel"),
        ("/api/departments/", {"slug": "sales", "name": "Sales", "colour": "red"}, "colour"),
        ("/api/categories/", {"slug": "quote", "name": "Q", "department": "billing", "x": 1}, "x"),
        ("/api/token/", {"username": "staff", "password": "x", "otp": "1"}, "otp"),
    ],
)
def test_unknown_fields_are_a_400_naming_them(client, path, body, unknown):
    data = assert_json_400(client.post(path, body, "json"), unknown)

    assert data[unknown] == ["Unknown field."]
    assert not Department.objects.filter(slug="sales").exists()
    assert not Category.objects.filter(slug="quote").exists()


# Lengths and limits


@pytest.mark.parametrize(("field", "limit"), [("title", 200), ("description", 20_000)])
def test_over_long_text_is_a_400(client, field, limit):
    at_limit = client.post(TICKETS, {**VALID, field: "a" * limit}, "json")
    over = client.post(TICKETS, {**VALID, field: "a" * (limit + 1)}, "json")

    assert at_limit.status_code == 201
    body = assert_json_400(over, field)
    assert str(limit) in body[field][0]


def test_over_long_credentials_are_a_400(api_client):
    response = api_client.post(
        "/api/token/", {"username": "u" * 151, "password": "p" * 5000}, "json"
    )

    assert_json_400(response, "username", "password")


def test_over_long_search_is_a_400(client):
    assert client.get(TICKETS, {"search": "a" * 200}).status_code == 200
    assert_json_400(client.get(TICKETS, {"search": "a" * 201}), "search")


def test_the_longest_valid_list_request_fits_in_gunicorns_request_line(client):
    """Every filter at its longest, in 4-byte characters where text is free: gunicorn must pass
    it to the application (beyond its limit it answers an HTML 414 itself)."""
    limit = runpy.run_path(str(Path(__file__).parents[1] / "gunicorn.py"))["limit_request_line"]
    moment = "2026-01-01T00:00:00.999999+23:59"
    params = {
        "search": "\U0001d11e" * 200,
        "category": "\U0001d11e" * 50,
        "department": "\U0001d11e" * 50,
        "assigned_to": "9" * 18,
        "created_by": "9" * 18,
        "created_after": moment,
        "created_before": moment,
        "status": ["OPEN", "IN_PROGRESS", "PENDING", "RESOLVED", "CLOSED"],
        "priority": ["LOW", "MEDIUM", "HIGH", "URGENT"],
        "ordering": "-priority",
        "page": "1",
        "page_size": "100",
    }
    line = f"GET {TICKETS}?{urlencode(params, doseq=True)} HTTP/1.1"

    assert len(line.encode()) <= limit, (len(line.encode()), limit)
    assert client.get(TICKETS, params).status_code == 200


def test_body_over_the_limit_is_refused_before_it_is_read(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({**VALID, "description": "a" * 2000})

    response = post_raw(client, body)

    data = assert_json_400(response, "detail")
    assert "1000 bytes" in data["detail"]
    assert Ticket.objects.count() == 0


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"page_size": 101}, "page_size"),
        ({"page_size": 10**30}, "page_size"),
        ({"page_size": 0}, "page_size"),
        ({"page_size": -5}, "page_size"),
        ({"page_size": "ten"}, "page_size"),
        ({"page_size": ""}, "page_size"),
        ({"page": 0}, "page"),
        ({"page": "last"}, "page"),
        ({"page": "1e3"}, "page"),
        ({"page": 10**30}, "page"),
    ],
)
def test_bad_pages_are_a_400_naming_the_parameter(client, params, field):
    for path in (TICKETS, "/api/agents/", "/api/departments/", "/api/categories/"):
        assert_json_400(client.get(path, params), field)


def test_a_page_past_the_last_is_a_404(client):
    response = client.get(TICKETS, {"page": 10**17})

    assert response.status_code == 404
    assert response.json() == {"detail": "Invalid page."}


@pytest.mark.parametrize(
    "path",
    [
        f"{TICKETS}{10**18 - 1}/",
        f"{TICKETS}99999999999999999999999/",
        "/api/categories/99999999999999999999999/",
        "/api/departments/-1/",
        "/api/agents/abc/",
        "/api/tickets/1/nope/",
        "/api/nothing-here/",
    ],
)
def test_unknown_or_absurd_ids_are_a_json_404(client, path):
    response = client.get(path)

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")


def test_unknown_api_path_is_json_even_in_debug(client, settings):
    settings.DEBUG = True

    response = client.get("/api/nothing-here/")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"assigned_to": "someone"}, "assigned_to"),
        ({"assigned_to": ""}, "assigned_to"),
        ({"created_by": "007"}, "created_by"),
        ({"created_by": " me"}, "created_by"),
        ({"created_by": "9" * 19}, "created_by"),
        ({"created_after": "yesterday"}, "created_after"),
        ({"created_before": ""}, "created_before"),
        ({"status": "LOST"}, "status"),
        ({"priority": "30"}, "priority"),
        ({"category": "x" * 51}, "category"),
        ({"department": "é" * 51}, "department"),
        ({"ordering": "x"}, "ordering"),
        ({"ordering": "created_at, priority"}, "ordering"),
    ],
)
def test_bad_filters_are_a_400_naming_them(client, params, field):
    assert_json_400(client.get(TICKETS, params), field)


@pytest.mark.parametrize(
    "params",
    [{"category": "9" * 30}, {"department": "9" * 19}, {"assigned_to": "ME"}, {"ordering": ""}],
)
def test_odd_but_harmless_filters_answer_200(client, params):
    assert client.get(TICKETS, params).status_code == 200


@pytest.mark.parametrize(
    ("params", "listed"),
    [
        # RFC 3339 allows offsets up to ±23:59; PostgreSQL stores at most ±15:59.
        ({"created_before": "0928-03-01T01:50:55.4-17:23"}, False),
        ({"created_after": "2000-01-01T00:00:00+23:59"}, True),
        # Past year 9999 (or before year 1) once in UTC.
        ({"created_after": "9999-12-31T23:00:00-17:00"}, False),
        ({"created_before": "0001-01-01T01:00:00+17:00"}, False),
    ],
)
def test_dates_with_extreme_offsets_are_compared_in_utc(client, params, listed):
    ticket = TicketFactory()

    response = client.get(TICKETS, params)

    assert response.status_code == 200, response.content
    assert ({row["id"] for row in response.json()["results"]} == {ticket.pk}) is listed


@pytest.mark.parametrize(
    "body", [{"assigned_to": 2**63}, {"assigned_to": -1}, {"assigned_to": 1.5}]
)
def test_out_of_range_ids_in_a_body_are_a_400(client, body):
    ticket = TicketFactory()

    assert_json_400(client.post(f"{TICKETS}{ticket.pk}/assign/", body, "json"), "assigned_to")


def test_too_many_query_parameters_is_a_json_400(client):
    query = "&".join(f"p{i}=1" for i in range(1500))

    response = client.get(f"{TICKETS}?{query}")

    assert_json_400(response, "detail")


def test_a_plain_client_never_sees_html_for_api_errors():
    client = Client()

    for response in (client.get("/api/tickets/"), client.get("/api/missing/")):
        assert response["Content-Type"].startswith("application/json")
