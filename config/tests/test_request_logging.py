import json
import logging

from config.logging import JsonFormatter, RequestIdFilter


def test_each_request_is_logged_once_with_its_id(client, caplog):
    with caplog.at_level(logging.INFO, logger="tickets.access"):
        response = client.get("/healthz", HTTP_X_REQUEST_ID="abc-123")

    assert response["X-Request-ID"] == "abc-123"
    records = [r for r in caplog.records if r.name == "tickets.access"]
    assert len(records) == 1
    record = records[0]
    assert (record.method, record.path, record.status, record.request_id) == (
        "GET",
        "/healthz",
        200,
        "abc-123",
    )
    assert record.duration_ms >= 0


def test_an_unsafe_incoming_request_id_is_replaced(client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="bad id\nwith newline")
    assert response["X-Request-ID"] != "bad id\nwith newline"
    assert len(response["X-Request-ID"]) == 32


def test_json_format_carries_the_request_fields():
    record = logging.LogRecord("tickets.access", logging.INFO, __file__, 1, "GET / 200", (), None)
    record.method, record.path, record.status, record.duration_ms = "GET", "/", 200, 1.5
    RequestIdFilter().filter(record)

    line = json.loads(JsonFormatter().format(record))

    assert line["message"] == "GET / 200"
    assert (line["method"], line["status"], line["duration_ms"]) == ("GET", 200, 1.5)
    assert line["request_id"] == "-"


def test_the_access_line_keeps_its_request_id_through_the_handlers_filter(client, caplog):
    # The line is logged once the request is over; the filter on the handlers must not
    # replace its id with the "-" of no request.
    with caplog.at_level(logging.INFO, logger="tickets.access"):
        client.get("/healthz", HTTP_X_REQUEST_ID="abc-123")
    [record] = [r for r in caplog.records if r.name == "tickets.access"]

    RequestIdFilter().filter(record)

    assert record.request_id == "abc-123"


def test_djangos_own_error_lines_carry_the_request_id_and_it_is_forgotten_after(client, caplog):
    caplog.handler.addFilter(RequestIdFilter())
    with caplog.at_level(logging.WARNING, logger="django.request"):
        client.get("/api/tickets/", HTTP_X_REQUEST_ID="req-401")  # no credentials
    [record] = [r for r in caplog.records if r.name == "django.request"]

    assert record.status_code == 401 and record.request_id == "req-401"
    outside = logging.LogRecord("x", logging.INFO, __file__, 1, "after the request", (), None)
    RequestIdFilter().filter(outside)
    assert outside.request_id == "-"
