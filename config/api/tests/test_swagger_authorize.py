"""Swagger's Authorize works with what the French spec tells users to paste, `Bearer <token>`,
and with the bare token.

The schema declares an HTTP bearer scheme, for which Swagger UI sends
`Authorization: Bearer <what was pasted>`; these tests send exactly that header.
"""

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from tickets.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pass-1234-word"  # UserFactory's
ME_TICKETS = "/api/tickets/"


@pytest.fixture
def access(api_client) -> str:
    UserFactory(username="jeanne")
    response = api_client.post(
        "/api/token/", {"username": "jeanne", "password": PASSWORD}, format="json"
    )
    return response.json()["access"]


def as_swagger_sends(pasted: str) -> APIClient:
    """A client whose requests carry the header Swagger UI builds from the pasted value."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {pasted}")
    return client


@pytest.mark.parametrize("paste", ["{token}", "Bearer {token}", "bearer {token}"])
def test_the_bare_token_and_bearer_token_pastes_both_authenticate(access, paste):
    response = as_swagger_sends(paste.format(token=access)).get(ME_TICKETS)

    assert response.status_code == 200, response.content


@pytest.mark.parametrize(
    "header",
    [
        "Bearer Bearer",
        "Bearer Bearer not-a-token",
        "Bearer Token {token}",
        "Bearer Bearer Bearer {token}",
        "Bearer {token} {token}",
    ],
)
def test_anything_else_is_still_a_401(access, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header.format(token=access))

    response = client.get(ME_TICKETS)

    assert response.status_code == 401
    assert "detail" in response.json()


def test_the_schema_declares_an_http_bearer_scheme_saying_what_to_paste():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    scheme = schema["components"]["securitySchemes"]["jwtAuth"]

    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    assert "Bearer <token>" in scheme["description"]
    assert {"jwtAuth": []} in schema["paths"]["/api/tickets/"]["get"]["security"]
