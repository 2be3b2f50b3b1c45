"""Every sign-in path (the dashboard's form, the admin's, POST /api/token/) under the same
limits: django-axes locks a (username, client address) pair out after AXES_FAILURE_LIMIT
failures, for AXES_COOLOFF_TIME only, and the rate limits of /api/token/ (per client, per
username) count the session forms too. The client address is read one way for all of it."""

from datetime import timedelta

import pytest
import time_machine
from axes.helpers import get_client_ip_address
from axes.models import AccessAttempt
from django.conf import settings
from django.core.cache import cache
from django.test import Client, RequestFactory, override_settings

from config.api import throttling
from tickets.tests.factories import AgentFactory, StaffFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pass-1234-word"  # the factories'
DASHBOARD = "/dashboard/"
ADMIN_LOGIN = "/admin/login/"
TOKEN = "/api/token/"
LIMIT = 3
COOL_OFF = timedelta(minutes=15)


@pytest.fixture(autouse=True)
def _lockout_settings(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT
    settings.AXES_COOLOFF_TIME = COOL_OFF
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def agent(catalogue):
    return AgentFactory(user__username="ines", department=catalogue["billing"].department).user


@pytest.fixture
def boss(db):
    return StaffFactory(username="boss")


def client(ip="10.0.0.1", **headers) -> Client:
    return Client(REMOTE_ADDR=ip, **headers)


def sign_in(browser: Client, path: str, username: str, password: str):
    if path == TOKEN:
        return browser.post(TOKEN, {"username": username, "password": password}, "application/json")
    return browser.post(path, {"username": username, "password": password})


def signed_in(browser: Client, path: str, response) -> bool:
    """Whether that answer signed the user in: tokens, or a session that works."""
    if path == TOKEN:
        return response.status_code == 200 and "access" in response.json()
    return response.status_code == 302 and browser.get("/api/tickets/").status_code == 200


def assert_locked_out(response, path: str):
    assert response.status_code == 429, (path, response.status_code, response.content[:300])
    assert int(response["Retry-After"]) == COOL_OFF.total_seconds()
    if path == TOKEN:
        detail = response.json()["detail"]
    else:
        assert response["Content-Type"].startswith("text/html")
        detail = response.content.decode()
    assert "Too many failed sign-ins for this account from your address" in detail
    assert "15 minutes" in detail


PATHS = [(DASHBOARD, "agent"), (ADMIN_LOGIN, "boss"), (TOKEN, "agent")]


@pytest.mark.parametrize(("path", "who"), PATHS)
def test_repeated_wrong_passwords_lock_the_username_out_from_that_client(request, path, who):
    user = request.getfixturevalue(who)
    browser = client()

    answers = [sign_in(browser, path, user.username, f"wrong-{i}") for i in range(LIMIT)]

    expected_failure = 401 if path == TOKEN else 200  # the form again, with its error
    assert [a.status_code for a in answers[:-1]] == [expected_failure] * (LIMIT - 1)
    assert_locked_out(answers[-1], path)
    # While locked, even the right password is refused, and gives no session or token.
    right = sign_in(browser, path, user.username, PASSWORD)
    assert_locked_out(right, path)
    assert not signed_in(browser, path, right)
    assert browser.get("/api/tickets/").status_code in (401, 403)


@pytest.mark.parametrize(("path", "who"), PATHS)
def test_the_owner_elsewhere_and_other_users_here_are_not_locked_out(request, path, who, catalogue):
    user = request.getfixturevalue(who)
    attacker = client(ip="203.0.113.9")
    for i in range(LIMIT + 2):
        sign_in(attacker, path, user.username, f"guess-{i}")
    neighbour = AgentFactory(user__username="neighbour", department=catalogue["bug"].department)
    if user.is_staff:
        neighbour.user.is_staff = True
        neighbour.user.save()

    owner = client(ip="198.51.100.20")
    from_owner = sign_in(owner, path, user.username, PASSWORD)
    same_address = client(ip="203.0.113.9")
    other_user = sign_in(same_address, path, "neighbour", PASSWORD)

    assert signed_in(owner, path, from_owner)
    assert signed_in(same_address, path, other_user)


@pytest.mark.parametrize(("path", "who"), PATHS)
def test_the_lock_ends_after_the_cool_off(request, path, who):
    user = request.getfixturevalue(who)
    with time_machine.travel("2030-01-01 09:00 +0000", tick=False) as clock:
        browser = client()
        for i in range(LIMIT):
            sign_in(browser, path, user.username, f"wrong-{i}")
        clock.shift(COOL_OFF - timedelta(seconds=30))
        assert_locked_out(sign_in(browser, path, user.username, PASSWORD), path)

        # A refusal during the lock starts it again, so wait a whole cool-off from there.
        clock.shift(COOL_OFF + timedelta(seconds=1))
        response = sign_in(browser, path, user.username, PASSWORD)

    assert signed_in(browser, path, response), response.content[:300]


def test_one_lockout_for_every_path(agent):
    browser = client()

    assert sign_in(browser, DASHBOARD, "ines", "wrong-1").status_code == 200
    assert sign_in(browser, TOKEN, "ines", "wrong-2").status_code == 401
    assert_locked_out(sign_in(browser, DASHBOARD, "ines", "wrong-3"), DASHBOARD)

    assert_locked_out(sign_in(browser, TOKEN, "ines", PASSWORD), TOKEN)


@override_settings(REST_FRAMEWORK={**settings.REST_FRAMEWORK, "NUM_PROXIES": 1})
def test_behind_the_proxy_the_forwarded_client_is_locked_not_the_proxy(agent):
    proxy = "10.0.0.254"
    attacker = client(ip=proxy, HTTP_X_FORWARDED_FOR="203.0.113.9")
    for i in range(LIMIT):
        sign_in(attacker, DASHBOARD, "ines", f"wrong-{i}")
    # What the client writes left of the proxy's own entry changes nothing.
    forged = client(ip=proxy, HTTP_X_FORWARDED_FOR="192.0.2.1, 203.0.113.9")
    owner = client(ip=proxy, HTTP_X_FORWARDED_FOR="198.51.100.20")

    assert_locked_out(sign_in(forged, DASHBOARD, "ines", PASSWORD), DASHBOARD)
    assert signed_in(owner, DASHBOARD, sign_in(owner, DASHBOARD, "ines", PASSWORD))
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.9"}


@pytest.mark.parametrize(
    ("num_proxies", "meta", "expected"),
    [
        (0, {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.9"}, "10.0.0.1"),
        (
            1,
            {"REMOTE_ADDR": "10.0.0.254", "HTTP_X_FORWARDED_FOR": "1.1.1.1, 203.0.113.9"},
            "203.0.113.9",
        ),
        (
            2,
            {"REMOTE_ADDR": "10.0.0.254", "HTTP_X_FORWARDED_FOR": "1.1.1.1, 203.0.113.9"},
            "1.1.1.1",
        ),
        (1, {"REMOTE_ADDR": "10.0.0.254"}, "10.0.0.254"),
        (1, {"REMOTE_ADDR": "10.0.0.254", "HTTP_X_FORWARDED_FOR": "not-an-ip"}, "10.0.0.254"),
    ],
)
def test_throttles_and_lockouts_read_the_client_address_alike(num_proxies, meta, expected):
    request = RequestFactory().post(TOKEN, **meta)
    with override_settings(REST_FRAMEWORK={**settings.REST_FRAMEWORK, "NUM_PROXIES": num_proxies}):
        assert throttling.client_ip(request) == expected
        assert get_client_ip_address(request) == expected
        assert throttling.TokenClientThrottle().get_ident(request) == expected


def rates(**scopes) -> dict:
    defaults = dict.fromkeys(("token_client", "token_username", "ticket_create"), None)
    return {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {**defaults, **scopes}}


def assert_rate_limited(response):
    assert response.status_code == 429, response.content[:300]
    assert int(response["Retry-After"]) > 0
    assert "Too many sign-in attempts" in response.content.decode()


@override_settings(REST_FRAMEWORK=rates(token_client="3/min"))
def test_the_session_forms_share_the_per_client_rate_limit_of_the_token_endpoint(settings):
    settings.AXES_FAILURE_LIMIT = 100  # the rate limit alone
    browser = client()

    assert sign_in(browser, DASHBOARD, "someone", "x").status_code == 200
    assert sign_in(browser, TOKEN, "someone-else", "x").status_code == 401
    assert sign_in(browser, ADMIN_LOGIN, "a-third", "x").status_code == 200

    assert_rate_limited(sign_in(browser, DASHBOARD, "a-fourth", "x"))
    assert_rate_limited(sign_in(browser, ADMIN_LOGIN, "a-fifth", "x"))
    assert browser.get(DASHBOARD).status_code == 200  # showing the form is not signing in
    assert sign_in(client(ip="10.0.0.2"), DASHBOARD, "someone", "x").status_code == 200


@override_settings(REST_FRAMEWORK=rates(token_username="2/min"))
def test_the_session_forms_share_the_per_username_rate_limit_whatever_the_client(agent, settings):
    settings.AXES_FAILURE_LIMIT = 100

    assert sign_in(client(ip="10.0.0.1"), DASHBOARD, "ines", "x").status_code == 200
    assert sign_in(client(ip="10.0.0.2"), TOKEN, "INES ", "x").status_code == 401

    assert_rate_limited(sign_in(client(ip="10.0.0.3"), ADMIN_LOGIN, "ines", PASSWORD))
    assert sign_in(client(ip="10.0.0.3"), DASHBOARD, "other", "x").status_code == 200


def test_a_locked_out_requester_is_told_so_not_given_a_500(requester):
    browser = client()
    for i in range(LIMIT):
        response = sign_in(browser, DASHBOARD, "requester", f"wrong-{i}")

    assert_locked_out(response, DASHBOARD)
    assert 'href="/dashboard/"' in response.content.decode()


def test_the_shipped_configuration():
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    assert settings.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert settings.AXES_CLIENT_IP_CALLABLE == "config.api.throttling.client_ip"
    assert timedelta(0) < settings.AXES_COOLOFF_TIME <= timedelta(hours=1)


def test_the_test_settings_keep_ordinary_tests_from_being_locked_out():
    from config import test_settings

    assert test_settings.AXES_FAILURE_LIMIT >= 10_000
