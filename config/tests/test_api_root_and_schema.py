"""The public API root, the OpenAPI schema and the self-hosted Swagger UI."""

import json
import re

import pytest
import yaml
from django.contrib.staticfiles import finders
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

pytestmark = pytest.mark.django_db

SIDECAR = "/static/drf_spectacular_sidecar/"


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def test_api_root_is_public_and_says_hello(api_client):
    response = api_client.get("/api/")

    assert response.status_code == 200
    body = response.json()
    assert body["message"] == "Bienvenue sur l'API de Routage de Tickets"
    assert body["documentation"] == "/api/docs/"
    assert body["endpoints_principaux"] == "/api/ticket/"
    links = body["links"]
    assert links["tickets"] == "http://testserver/api/tickets/"
    assert links["agents"] == "http://testserver/api/agents/"
    assert links["token"] == "http://testserver/api/token/"
    assert links["docs"] == "http://testserver/api/docs/"
    assert {"departments", "categories", "schema", "admin"} <= set(links)


def test_the_main_links_of_the_root_answer(api_client, staff):
    links = api_client.get("/api/").json()["links"]
    api_client.force_login(staff)

    for name in ["tickets", "agents", "departments", "categories", "schema", "docs", "admin"]:
        path = links[name].removeprefix("http://testserver")
        status = api_client.get(path).status_code
        assert status == 200, f"{name}: {path} -> {status}"


def test_schema_is_served_as_yaml_by_default(api_client):
    response = api_client.get("/api/schema/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi")
    document = yaml.safe_load(response.content)
    assert document["openapi"].startswith("3.")
    assert "/api/tickets/" in document["paths"]


def test_schema_is_served_as_json_on_request(api_client):
    response = api_client.get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    assert "json" in response["Content-Type"]
    document = json.loads(response.content)
    assert document["info"]["title"] == "Ticket Intelligence API"
    assert "/api/tickets/{id}/transition/" in document["paths"]


def test_generated_schema_validates(schema):
    validate_schema(schema)


def test_singular_aliases_stay_out_of_the_schema(schema):
    assert not [path for path in schema["paths"] if re.match(r"^/api/(ticket|agent)/", path)]


def test_bearer_authentication_is_declared(schema):
    schemes = schema["components"]["securitySchemes"]

    assert any(s.get("scheme") == "bearer" for s in schemes.values())


def ticket_operations(schema):
    for path, item in schema["paths"].items():
        if path.startswith("/api/tickets/"):
            for method, operation in item.items():
                if method in ("get", "post", "put", "patch", "delete"):
                    yield path, method, operation


def test_every_ticket_operation_lists_its_error_responses(schema):
    operations = list(ticket_operations(schema))
    assert len(operations) >= 10

    for path, method, operation in operations:
        codes = set(operation["responses"])
        where = f"{method.upper()} {path}: {sorted(codes)}"
        assert any(code.startswith("4") for code in codes), where
        assert "401" in codes, where
        if "{id}" in path:
            assert "404" in codes, where
        if "requestBody" in operation or path == "/api/tickets/" and method == "get":
            assert "400" in codes, where
        if method in ("put", "patch", "delete") or path.endswith(("/assign/", "/transition/")):
            assert "403" in codes, where


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield path, method, operation


def test_every_operation_lists_the_errors_it_can_return_with_their_json_body(schema):
    """What the exception handler, the permissions and the middleware can answer, per kind of
    operation; schemathesis (.ci/schemathesis.sh) then checks the live answers against it."""
    bodies = {"#/components/schemas/ErrorBody", "#/components/schemas/ValidationErrorBody"}
    for path, method, operation in operations(schema):
        responses = operation["responses"]
        codes = set(responses)
        where = f"{method.upper()} {path}: {sorted(codes)}"
        needs_credentials = bool(operation.get("security")) and {} not in operation["security"]
        takes_query = any(p["in"] == "query" for p in operation.get("parameters", []))
        assert "503" in codes, where
        if needs_credentials:
            assert "401" in codes, where
        if "requestBody" in operation or takes_query:
            assert "400" in codes, where
        if "{" in path:
            assert "404" in codes, where
        if needs_credentials and method != "get":
            assert "409" in codes, where
        if takes_query:
            assert "414" in codes, where
        for code, response in responses.items():
            if code[0] in "45" and code != "414":
                ref = response["content"]["application/json"]["schema"]["$ref"]
                assert ref in bodies, (where, code, ref)
    for path in ("/api/token/", "/api/tickets/"):
        assert "429" in schema["paths"][path]["post"]["responses"]


def resolve(schema, node: dict) -> dict:
    """Follow a `$ref` (also one wrapped in `allOf`) to its component."""
    if "allOf" in node:
        node = node["allOf"][0]
    if "$ref" in node:
        return schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def test_ticket_priority_is_documented_as_names(schema):
    create = schema["paths"]["/api/tickets/"]["post"]
    body = resolve(schema, create["requestBody"]["content"]["application/json"]["schema"])
    priority = resolve(schema, body["properties"]["priority"])

    assert priority["enum"] == ["LOW", "MEDIUM", "HIGH", "URGENT"]


def test_ticket_list_documents_its_filters(schema):
    parameters = schema["paths"]["/api/tickets/"]["get"]["parameters"]
    names = {p["name"] for p in parameters if p["in"] == "query"}

    filters = {"status", "priority", "category", "department", "assigned_to", "created_by"}
    assert filters | {"created_after", "created_before", "search", "ordering", "page"} <= names


def test_swagger_ui_is_self_hosted(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(a.startswith(SIDECAR) and a.endswith(".js") for a in assets), assets
    assert any(a.startswith(SIDECAR) and a.endswith(".css") for a in assets), assets
    assert not [a for a in assets if re.match(r"^(https?:)?//", a)], assets
    assert "cdn" not in html.lower()


def test_swagger_ui_assets_exist_and_are_served(settings):
    html = Client().get("/api/docs/").content.decode()
    assets = [a for a in re.findall(r'(?:src|href)="([^"]+)"', html) if a.startswith(SIDECAR)]
    assert assets

    for asset in assets:
        assert finders.find(asset.removeprefix("/static/")), asset

    # WhiteNoise serves from STATIC_ROOT in production (after collectstatic); here, from the
    # finders, as it does under runserver.
    settings.WHITENOISE_USE_FINDERS = True
    client = Client()  # a fresh handler, so the middleware is built with the setting above
    for asset in assets:
        response = client.get(asset)
        assert response.status_code == 200, asset
        assert b"".join(response.streaming_content)
