"""JWT (obtain, use, refresh with rotation and blacklist, verify) and session authentication."""

import pytest
from rest_framework.test import APIClient

from tickets.tests.factories import TicketFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pass-1234-word"  # UserFactory's
TICKETS = "/api/tickets/"


@pytest.fixture
def user(db):
    return UserFactory(username="alice")


def obtain(client, username="alice", password=PASSWORD):
    return client.post("/api/token/", {"username": username, "password": password}, format="json")


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def test_valid_credentials_give_an_access_and_a_refresh_token(api_client, user):
    response = obtain(api_client)

    assert response.status_code == 200
    tokens = response.json()
    assert set(tokens) == {"access", "refresh"}
    assert tokens["access"] != tokens["refresh"]


@pytest.mark.parametrize(
    ("username", "password"), [("alice", "wrong"), ("nobody", PASSWORD), ("alice", "")]
)
def test_bad_credentials_are_refused(api_client, user, username, password):
    response = obtain(api_client, username, password)

    assert response.status_code in (400, 401)
    assert "access" not in response.json()
    if password:
        assert response.status_code == 401


def test_inactive_user_gets_no_token(api_client, user):
    user.is_active = False
    user.save()

    assert obtain(api_client).status_code == 401


def test_access_token_authenticates_as_bearer(api_client, user):
    own = TicketFactory(created_by=user)
    TicketFactory()
    access = obtain(api_client).json()["access"]

    response = bearer(access).get(TICKETS)

    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [own.pk]


def test_access_token_can_create_a_ticket(api_client, user, catalogue):
    access = obtain(api_client).json()["access"]

    response = bearer(access).post(
        TICKETS, {"title": "Facture impayée", "description": "x"}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["created_by"]["username"] == "alice"


def test_refresh_rotates_and_the_old_refresh_token_is_then_refused(api_client, user):
    old = obtain(api_client).json()["refresh"]

    first = api_client.post("/api/token/refresh/", {"refresh": old}, format="json")
    assert first.status_code == 200
    rotated = first.json()
    assert rotated["refresh"] != old
    assert bearer(rotated["access"]).get(TICKETS).status_code == 200

    again = api_client.post("/api/token/refresh/", {"refresh": old}, format="json")
    assert again.status_code == 401
    assert "access" not in again.json()

    newer = api_client.post("/api/token/refresh/", {"refresh": rotated["refresh"]}, format="json")
    assert newer.status_code == 200


def test_an_access_token_is_not_a_refresh_token(api_client, user):
    access = obtain(api_client).json()["access"]

    response = api_client.post("/api/token/refresh/", {"refresh": access}, format="json")

    assert response.status_code == 401


def test_verify_accepts_a_good_token_and_refuses_a_bad_one(api_client, user):
    access = obtain(api_client).json()["access"]

    good = api_client.post("/api/token/verify/", {"token": access}, format="json")
    bad = api_client.post("/api/token/verify/", {"token": access[:-4] + "AAAA"}, format="json")
    garbage = api_client.post("/api/token/verify/", {"token": "garbage"}, format="json")

    assert good.status_code == 200
    assert bad.status_code == 401
    assert garbage.status_code == 401


@pytest.mark.parametrize(
    "header",
    ["Bearer garbage", "Bearer a.b.c", "Bearer", "Token abc", "Bearer  "],
)
def test_a_bad_authorization_header_is_a_401(header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)

    response = client.get(TICKETS)

    assert response.status_code == 401
    assert "detail" in response.json()


def test_a_tampered_access_token_is_a_401(api_client, user):
    access = obtain(api_client).json()["access"]
    header, payload, signature = access.split(".")

    assert bearer(f"{header}.{payload}.{signature[::-1]}").get(TICKETS).status_code == 401


def test_a_token_of_a_deleted_user_is_a_401(api_client, user):
    access = obtain(api_client).json()["access"]
    user.delete()

    assert bearer(access).get(TICKETS).status_code == 401


def test_session_authentication_works(user):
    own = TicketFactory(created_by=user)
    client = APIClient()
    client.force_login(user)

    response = client.get(TICKETS)

    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [own.pk]


def test_session_writes_need_a_csrf_token(user, catalogue):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user)

    response = client.post(TICKETS, {"title": "Facture", "description": "x"}, format="json")

    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_no_credentials_is_a_401_with_a_bearer_challenge(api_client):
    response = api_client.get(TICKETS)

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
