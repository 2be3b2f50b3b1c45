"""JWT hardening: logout, deactivated and deleted users, lifetimes, the signing key, and the
system checks that refuse an unsafe configuration."""

from datetime import timedelta

import jwt
import pytest
from django.conf import settings
from django.core.checks import Error, Warning
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken

from agents.tests.factories import UserFactory
from config import checks

pytestmark = pytest.mark.django_db

PASSWORD = "pass-1234-word"  # UserFactory's
TICKETS = "/api/tickets/"
LOGOUT = "/api/token/logout/"


@pytest.fixture
def user(db):
    return UserFactory(username="alice")


@pytest.fixture
def tokens(api_client, user) -> dict:
    response = api_client.post(
        "/api/token/", {"username": "alice", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    return response.json()


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def refresh(client, token: str):
    return client.post("/api/token/refresh/", {"refresh": token}, format="json")


# Logout


def test_logout_blacklists_the_refresh_token(api_client, tokens):
    response = api_client.post(LOGOUT, {"refresh": tokens["refresh"]}, format="json")

    assert response.status_code == 204
    assert response.content == b""
    assert BlacklistedToken.objects.count() == 1
    again = refresh(api_client, tokens["refresh"])
    assert again.status_code == 401
    assert "blacklisted" in again.json()["detail"].lower()


def test_logging_out_twice_is_a_401(api_client, tokens):
    api_client.post(LOGOUT, {"refresh": tokens["refresh"]}, format="json")

    response = api_client.post(LOGOUT, {"refresh": tokens["refresh"]}, format="json")

    assert response.status_code == 401


@pytest.mark.parametrize("body", [{}, {"refresh": ""}, {"refresh": 42}])
def test_logout_without_a_refresh_token_is_a_400(api_client, body):
    response = api_client.post(LOGOUT, body, format="json")

    assert response.status_code == 400
    assert "refresh" in response.json()


def test_logout_refuses_an_access_token_or_garbage(api_client, tokens):
    for token in (tokens["access"], "garbage", tokens["refresh"][:-3] + "abc"):
        response = api_client.post(LOGOUT, {"refresh": token}, format="json")
        assert response.status_code == 401, token
    assert BlacklistedToken.objects.count() == 0


def test_the_rotated_refresh_token_can_log_out_and_the_old_one_cannot_refresh(api_client, tokens):
    rotated = refresh(api_client, tokens["refresh"]).json()

    assert (
        api_client.post(LOGOUT, {"refresh": rotated["refresh"]}, format="json").status_code == 204
    )
    assert refresh(api_client, rotated["refresh"]).status_code == 401
    assert refresh(api_client, tokens["refresh"]).status_code == 401


# Deactivated and deleted users


def test_an_access_token_of_a_deactivated_user_is_refused(tokens, user):
    assert bearer(tokens["access"]).get(TICKETS).status_code == 200
    user.is_active = False
    user.save()

    response = bearer(tokens["access"]).get(TICKETS)

    assert response.status_code == 401
    assert "inactive" in response.json()["detail"].lower()


def test_a_refresh_token_of_a_deactivated_user_is_refused(api_client, tokens, user):
    user.is_active = False
    user.save()

    response = refresh(api_client, tokens["refresh"])

    assert response.status_code == 401
    assert "access" not in response.json()


def test_a_refresh_token_of_a_deleted_user_is_a_401_not_a_500(api_client, tokens, user):
    user.delete()

    response = refresh(api_client, tokens["refresh"])

    assert response.status_code == 401
    assert "no active account" in response.json()["detail"].lower()


def test_a_reactivated_user_may_sign_in_again(api_client, user):
    user.is_active = False
    user.save()
    body = {"username": "alice", "password": PASSWORD}
    assert api_client.post("/api/token/", body, format="json").status_code == 401

    user.is_active = True
    user.save()

    assert api_client.post("/api/token/", body, format="json").status_code == 200


# Lifetimes and key


def test_access_tokens_are_short_lived(tokens):
    claims = jwt.decode(tokens["access"], options={"verify_signature": False})

    assert timedelta(seconds=claims["exp"] - claims["iat"]) <= timedelta(minutes=15)
    assert settings.SIMPLE_JWT["ROTATE_REFRESH_TOKENS"] is True
    assert settings.SIMPLE_JWT["BLACKLIST_AFTER_ROTATION"] is True


def test_an_expired_access_token_is_refused(user):
    from rest_framework_simplejwt.tokens import AccessToken

    token = AccessToken.for_user(user)
    token.set_exp(lifetime=timedelta(seconds=-1))

    assert bearer(str(token)).get(TICKETS).status_code == 401


def test_tokens_are_signed_with_the_jwt_signing_key_and_forgeries_are_refused(tokens):
    access = tokens["access"]
    claims = jwt.decode(access, settings.SIMPLE_JWT["SIGNING_KEY"], algorithms=["HS256"])

    for key in ("another-key-" + "x" * 40, "short"):
        forged = jwt.encode({**claims, "user_id": "1"}, key, algorithm="HS256")
        assert bearer(forged).get(TICKETS).status_code == 401
    unsigned = jwt.encode(claims, None, algorithm="none")
    assert bearer(unsigned).get(TICKETS).status_code == 401


# System checks


WITHOUT_BLACKLIST = [app for app in settings.INSTALLED_APPS if app != checks.BLACKLIST_APP]


@override_settings(INSTALLED_APPS=WITHOUT_BLACKLIST)
def test_rotation_without_the_blacklist_app_is_an_error():
    errors = checks.jwt_blacklist_check(None)

    assert [e.id for e in errors] == ["config.E001"]
    assert isinstance(errors[0], Error)


@override_settings(INSTALLED_APPS=WITHOUT_BLACKLIST)
def test_that_error_stops_start_up():
    with pytest.raises(SystemCheckError, match="config.E001"):
        call_command("check")


@override_settings(
    INSTALLED_APPS=WITHOUT_BLACKLIST,
    SIMPLE_JWT={**settings.SIMPLE_JWT, "ROTATE_REFRESH_TOKENS": False},
)
def test_without_rotation_the_blacklist_app_is_optional():
    assert checks.jwt_blacklist_check(None) == []


@override_settings(SIMPLE_JWT={**settings.SIMPLE_JWT, "BLACKLIST_AFTER_ROTATION": False})
def test_rotation_without_blacklisting_after_it_is_a_warning():
    assert [w.id for w in checks.jwt_blacklist_check(None)] == ["config.W004"]


def test_the_shipped_configuration_passes_the_jwt_checks():
    assert checks.jwt_blacklist_check(None) == []


@override_settings(SIMPLE_JWT={**settings.SIMPLE_JWT, "SIGNING_KEY": settings.SECRET_KEY})
def test_a_signing_key_equal_to_the_secret_key_is_a_deploy_warning():
    found = checks.jwt_signing_key_check(None)

    assert "config.W001" in [w.id for w in found]
    assert all(isinstance(w, Warning) for w in found)


@override_settings(SIMPLE_JWT={**settings.SIMPLE_JWT, "SIGNING_KEY": "change-me-too"})
def test_a_placeholder_signing_key_is_an_error_that_names_the_variable():
    """Was the deploy warning config.W002 (the server started anyway): now an error, which
    stops runserver, migrate and gunicorn (config/wsgi.py), in any mode."""
    assert checks.jwt_signing_key_check(None) == []
    [error] = checks.secrets_check(None)
    assert error.id == "config.E003" and error.is_serious()
    assert "JWT_SIGNING_KEY" in error.msg and "placeholder" in error.msg
    assert "secrets.token_urlsafe" in error.hint


@override_settings(SIMPLE_JWT={**settings.SIMPLE_JWT, "SIGNING_KEY": "k" * 20}, DEBUG=False)
def test_a_short_signing_key_is_an_error_with_debug_off():
    [error] = checks.secrets_check(None)
    assert error.id == "config.E003" and "JWT_SIGNING_KEY" in error.msg


def test_the_shipped_test_configuration_passes_the_secrets_check():
    assert checks.secrets_check(None) == []


@override_settings(SIMPLE_JWT={**settings.SIMPLE_JWT, "SIGNING_KEY": "k" * 50})
def test_a_separate_strong_signing_key_passes():
    assert checks.jwt_signing_key_check(None) == []
