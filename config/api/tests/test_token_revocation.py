"""Tokens end with the password that earned them and with their session: a password change
(by the user's code, the admin or `changepassword`) revokes every access and refresh token,
refresh rotation cannot carry a session past JWT_SESSION_MAX_AGE after sign-in, and a signed
token whose user id is not one is a 401, not a 500."""

import secrets
from datetime import UTC, datetime, timedelta
from unittest import mock

import jwt
import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from tickets.tests.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pass-1234-word"  # UserFactory's
NEW_PASSWORD = "a-brand-new-secret-9876"
TICKETS = "/api/tickets/"
REFRESH = "/api/token/refresh/"
VERIFY = "/api/token/verify/"
SESSION = timedelta(hours=12)


@pytest.fixture
def user(db):
    return UserFactory(username="alice")


def sign_in(username="alice", password=PASSWORD) -> dict:
    response = APIClient().post(
        "/api/token/", {"username": username, "password": password}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()


def bearer(token: str):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client.get(TICKETS)


def refresh(token: str):
    return APIClient().post(REFRESH, {"refresh": token}, format="json")


def verify(token: str):
    return APIClient().post(VERIFY, {"token": token}, format="json")


def claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def assert_revoked(tokens: dict):
    access = bearer(tokens["access"])
    assert access.status_code == 401
    assert "password has been changed" in access.json()["detail"]
    refreshed = refresh(tokens["refresh"])
    assert refreshed.status_code == 401
    assert "password has been changed" in refreshed.json()["detail"]
    assert "access" not in refreshed.json()
    for token in tokens.values():
        assert verify(token).status_code == 401


# Revocation on a password change


def test_a_password_change_revokes_the_access_and_refresh_tokens(user):
    tokens = sign_in()
    rotated = refresh(sign_in()["refresh"]).json()
    assert bearer(tokens["access"]).status_code == 200
    assert verify(tokens["refresh"]).status_code == 200

    user.set_password(NEW_PASSWORD)
    user.save()

    assert_revoked(tokens)
    assert_revoked(rotated)
    fresh = sign_in(password=NEW_PASSWORD)
    assert bearer(fresh["access"]).status_code == 200
    assert refresh(fresh["refresh"]).status_code == 200


def test_a_password_changed_in_the_admin_revokes_the_tokens(client, user):
    tokens = sign_in()
    client.force_login(StaffFactory(is_superuser=True))

    response = client.post(
        f"/admin/auth/user/{user.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert response.status_code == 302, response.content[:500]
    assert_revoked(tokens)


def test_a_password_changed_with_the_changepassword_command_revokes_the_tokens(user):
    tokens = sign_in()

    with mock.patch("getpass.getpass", return_value=NEW_PASSWORD):
        call_command("changepassword", "alice", stdout=mock.Mock())

    assert_revoked(tokens)


def test_saving_the_user_without_changing_the_password_keeps_the_tokens(user):
    tokens = sign_in()

    user.first_name = "Alice"
    user.save()

    assert bearer(tokens["access"]).status_code == 200
    assert refresh(tokens["refresh"]).status_code == 200


def test_deactivation_still_revokes_and_says_so(user):
    tokens = sign_in()
    user.is_active = False
    user.save()

    assert "inactive" in bearer(tokens["access"]).json()["detail"].lower()
    assert refresh(tokens["refresh"]).status_code == 401
    assert verify(tokens["access"]).status_code == 401


# Absolute session lifetime


def test_the_sign_in_time_is_kept_through_every_rotation(user):
    with time_machine.travel("2030-01-01 08:00 +0000", tick=False) as clock:
        tokens = sign_in()
        signed_in_at = claims(tokens["refresh"])["auth_time"]
        assert signed_in_at == int(datetime(2030, 1, 1, 8, tzinfo=UTC).timestamp())
        assert claims(tokens["access"])["auth_time"] == signed_in_at

        for _ in range(3):
            clock.shift(timedelta(hours=3))
            response = refresh(tokens["refresh"])
            assert response.status_code == 200, response.content
            tokens = response.json()
            assert claims(tokens["refresh"])["auth_time"] == signed_in_at
            assert claims(tokens["access"])["auth_time"] == signed_in_at
            assert bearer(tokens["access"]).status_code == 200


def test_a_refresh_past_the_session_lifetime_is_refused(user):
    assert settings.JWT_SESSION_MAX_AGE == SESSION  # the shipped default, 12 hours
    with time_machine.travel("2030-01-01 08:00 +0000", tick=False) as clock:
        tokens = sign_in()
        # Refreshed every 10 minutes, as a busy client does, the session still ends.
        for _ in range(int(SESSION / timedelta(minutes=10)) - 1):
            clock.shift(timedelta(minutes=10))
            tokens = refresh(tokens["refresh"]).json()
        assert "refresh" in tokens
        clock.shift(timedelta(minutes=10))

        response = refresh(tokens["refresh"])

        assert response.status_code == 401
        body = response.json()
        assert body["code"] == "session_expired"
        assert "Session expired" in body["detail"] and "12 hours" in body["detail"]
        assert "Sign in again" in body["detail"]
        assert verify(tokens["refresh"]).status_code == 401
        assert bearer(tokens["access"]).status_code == 401  # access tokens end with it
        assert bearer(sign_in()["access"]).status_code == 200  # signing in starts a new one


def test_no_access_token_outlives_its_session(user):
    with time_machine.travel("2030-01-01 08:00 +0000", tick=False) as clock:
        tokens = sign_in()
        clock.shift(SESSION - timedelta(minutes=5))
        tokens = refresh(tokens["refresh"]).json()

    end = claims(tokens["access"])["auth_time"] + int(SESSION.total_seconds())
    assert claims(tokens["access"])["exp"] == end


def test_the_session_lifetime_is_a_setting(user, settings):
    settings.JWT_SESSION_MAX_AGE = timedelta(hours=1)
    with time_machine.travel("2030-01-01 08:00 +0000", tick=False) as clock:
        tokens = sign_in()
        clock.shift(timedelta(minutes=50))
        tokens = refresh(tokens["refresh"]).json()
        clock.shift(timedelta(minutes=11))

        response = refresh(tokens["refresh"])

    assert response.status_code == 401
    assert "at most 1 hour after sign-in" in response.json()["detail"]


def test_a_refresh_token_without_a_sign_in_time_is_refused(user):
    legacy = RefreshToken.for_user(user)  # as issued before sessions had an end

    response = refresh(str(legacy))

    assert response.status_code == 401
    assert response.json()["code"] == "session_expired"


# A user id that is not one


def signed(user_id, token_type="access", **extra) -> str:  # noqa: S107
    now = datetime.now(UTC)
    body = {
        "token_type": token_type,
        "exp": int((now + timedelta(minutes=5)).timestamp()),
        "iat": int(now.timestamp()),
        "auth_time": int(now.timestamp()),
        "jti": secrets.token_hex(16),
        "user_id": user_id,
        **extra,
    }
    return jwt.encode(body, settings.SIMPLE_JWT["SIGNING_KEY"], algorithm="HS256")


BAD_IDS = ["abc", {"x": 1}, [1], True, 1.5, "1.5", "-1", -1, 0, "", "١", 10**30, str(10**30)]


@pytest.mark.parametrize("user_id", BAD_IDS)
def test_a_signed_token_with_a_malformed_user_id_is_a_401(user, user_id):
    response = bearer(signed(user_id))

    assert response.status_code == 401, response.content
    assert "user identification" in response.json()["detail"]


@pytest.mark.parametrize("user_id", ["abc", {"x": 1}, 1.5, 10**30])
def test_refreshing_or_verifying_such_a_token_is_a_401(user, user_id):
    token = signed(user_id, token_type="refresh")

    assert refresh(token).status_code == 401
    assert verify(token).status_code == 401


def test_a_signed_token_of_an_unknown_user_is_a_401(user):
    assert bearer(signed("99999999")).status_code == 401
    assert refresh(signed("99999999", token_type="refresh")).status_code == 401
