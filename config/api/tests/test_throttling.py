"""Rate limits: the token endpoint per client and per username, ticket creation per user,
429 with Retry-After, counters in the configured cache (Redis shared between processes)."""

import uuid

import pytest
from django.conf import settings
from django.core.cache import cache, caches
from django.test import override_settings
from rest_framework.test import APIClient

from agents.tests.factories import UserFactory
from config.cache import redis_cache
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

PASSWORD = "pass-1234-word"  # UserFactory's
TOKEN = "/api/token/"
TICKETS = "/api/tickets/"
REDIS_URL = "redis://127.0.0.1:6379/0"


def rates(**scopes) -> dict:
    """REST_FRAMEWORK with these rates; the scopes not named are unlimited."""
    defaults = dict.fromkeys(("token_client", "token_username", "ticket_create"), None)
    return {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {**defaults, **scopes}}


@pytest.fixture(autouse=True)
def _fresh_counters():
    cache.clear()
    yield
    cache.clear()


def login(username="alice", password="wrong", ip="10.0.0.1", **headers):  # noqa: S107
    client = APIClient(REMOTE_ADDR=ip, **headers)
    return client.post(TOKEN, {"username": username, "password": password}, format="json")


def assert_throttled(response):
    assert response.status_code == 429, response.content
    assert int(response["Retry-After"]) > 0
    assert "throttled" in response.json()["detail"]


@override_settings(REST_FRAMEWORK=rates(token_client="3/min"))
def test_token_requests_are_limited_per_client(db):
    UserFactory(username="alice")

    answers = [login(username=f"user{i}").status_code for i in range(3)]

    assert answers == [401, 401, 401]
    assert_throttled(login(username="someone-else"))
    assert login(ip="10.0.0.2").status_code == 401  # another client is not affected


@override_settings(REST_FRAMEWORK=rates(token_client="3/min"))
def test_a_forged_forwarded_for_header_does_not_reset_the_client_count(db):
    for i in range(3):
        login(HTTP_X_FORWARDED_FOR=f"192.0.2.{i}")

    assert_throttled(login(HTTP_X_FORWARDED_FOR="192.0.2.99"))


@override_settings(REST_FRAMEWORK={**rates(token_client="2/min"), "NUM_PROXIES": 1})
def test_behind_a_trusted_proxy_the_forwarded_client_is_counted(db):
    for _ in range(2):
        login(ip="10.0.0.254", HTTP_X_FORWARDED_FOR="198.51.100.7")

    assert_throttled(login(ip="10.0.0.254", HTTP_X_FORWARDED_FOR="198.51.100.7"))
    assert login(ip="10.0.0.254", HTTP_X_FORWARDED_FOR="198.51.100.8").status_code == 401


@override_settings(REST_FRAMEWORK=rates(token_username="2/min"))
def test_token_requests_are_limited_per_username_whatever_the_client(db):
    UserFactory(username="alice")

    assert login(ip="10.0.0.1").status_code == 401
    assert login(ip="10.0.0.2", username="ALICE ").status_code == 401

    assert_throttled(login(ip="10.0.0.3", password=PASSWORD))  # even the right password
    assert login(ip="10.0.0.3", username="bob").status_code == 401


@override_settings(REST_FRAMEWORK=rates(token_username="1/min", token_client="1/min"))
def test_a_request_without_username_is_a_400_not_counted_per_username(db):
    client = APIClient(REMOTE_ADDR="10.0.0.9")

    assert client.post(TOKEN, {"password": "x"}, format="json").status_code == 400
    assert client.post(TOKEN, {"password": "y"}, format="json").status_code == 429


@override_settings(REST_FRAMEWORK=rates(ticket_create="2/min"))
def test_ticket_creation_is_limited_per_user(as_user, catalogue):
    first, second = UserFactory(), UserFactory()
    body = {"title": "Invoice", "description": "Overdue."}
    client = as_user(first)

    assert [client.post(TICKETS, body, format="json").status_code for _ in range(2)] == [201, 201]
    assert_throttled(client.post(TICKETS, body, format="json"))
    assert Ticket.objects.filter(created_by=first).count() == 2
    assert client.get(TICKETS).status_code == 200  # reading is not creating
    assert as_user(second).post(TICKETS, body, format="json").status_code == 201


def test_the_shipped_test_rates_leave_ordinary_tests_alone():
    assert settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["token_client"] == "100000/min"


@override_settings(
    REST_FRAMEWORK=rates(token_client="2/min"),
    CACHES={"default": redis_cache("redis://127.0.0.1:1/0", timeout_seconds=0.2)},
)
def test_an_unreachable_cache_lets_requests_through(db, caplog):
    UserFactory(username="alice")

    answers = [login(password=PASSWORD).status_code for _ in range(4)]

    assert answers == [200, 200, 200, 200]
    assert any(r.name == "config.cache" and r.exc_info for r in caplog.records)


def redis_reachable() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except Exception:  # noqa: BLE001
        return False


@pytest.mark.skipif(not redis_reachable(), reason="needs Redis on 127.0.0.1:6379")
def test_with_redis_every_process_shares_the_counters(db):
    prefix = f"test-throttle-{uuid.uuid4().hex}"
    shared = {**redis_cache(REDIS_URL), "KEY_PREFIX": prefix}
    # Two cache aliases over the same Redis stand for two server processes.
    with override_settings(
        REST_FRAMEWORK=rates(token_client="3/min"),
        CACHES={"default": shared, "other_process": shared},
    ):
        try:
            for _ in range(3):
                login()
            assert_throttled(login())

            other = caches["other_process"]
            history = other.get("throttle_token_client_10.0.0.1")
            assert history is not None and len(history) == 3
            other.clear()  # what another process clears, this one sees
            assert login().status_code == 401
        finally:
            import redis

            client = redis.Redis.from_url(REDIS_URL)
            for key in client.scan_iter(f"{prefix}:*"):
                client.delete(key)


def test_the_schema_documents_429_where_requests_are_throttled(api_client):
    schema = api_client.get("/api/schema/", {"format": "json"}).json()

    assert "429" in schema["paths"]["/api/token/"]["post"]["responses"]
    assert "429" in schema["paths"]["/api/tickets/"]["post"]["responses"]
    assert "429" not in schema["paths"]["/api/tickets/"]["get"]["responses"]
