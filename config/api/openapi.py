"""Shared OpenAPI declarations: the error bodies every endpoint can return, the schema of
request bodies that refuse unknown fields, and the hook that documents the standard errors."""

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import SAFE_METHODS, AllowAny, IsAuthenticated

_ERROR_BODY = inline_serializer(
    name="ErrorBody",
    fields={
        "detail": serializers.CharField(
            required=False, help_text="Why the request failed, when no single field is at fault."
        ),
    },
)
_VALIDATION_BODY = inline_serializer(
    name="ValidationErrorBody",
    fields={
        "field_name": serializers.ListField(
            child=serializers.CharField(),
            required=False,
            help_text="One key per offending field, each with its messages.",
        ),
    },
)

# The one table of error responses: what each code means, and its body. A view declares
# the codes it adds with ERRORS(...); ApiAutoSchema adds 403 and document_standard_errors the
# codes every operation of a kind can return, all from this table.
_DESCRIPTIONS = {
    400: (
        "Invalid input (body, query parameter or page): the body names each offending field.",
        _VALIDATION_BODY,
    ),
    401: ("Missing, invalid or expired credentials.", _ERROR_BODY),
    403: ("Authenticated, but not allowed to do this.", _ERROR_BODY),
    404: ("No such object, not visible to the caller, or a page past the last one.", _ERROR_BODY),
    409: (
        "The change conflicts with the current state or with existing data.",
        _VALIDATION_BODY,
    ),
    429: ("Too many requests; see Retry-After.", _ERROR_BODY),
    503: ("The database is unavailable.", _ERROR_BODY),
}


def ERRORS(*codes: int) -> dict:  # noqa: N802 - reads like a constant at the call site
    """`responses={200: ..., **ERRORS(400, 404)}`."""
    return {
        code: OpenApiResponse(response=_DESCRIPTIONS[code][1], description=_DESCRIPTIONS[code][0])
        for code in codes
    }


class RejectUnknownFieldsExtension(OpenApiSerializerExtension):
    """Request bodies of serializers that refuse unknown fields say so in the schema, and
    say that their trimmed text fields need a non-blank character (DRF strips whitespace
    before checking that a field is not blank)."""

    target_class = "config.api.serializers.RejectUnknownFieldsMixin"
    match_subclasses = True

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_basic_serializer(self.target, direction)
        if direction != "request":
            return schema
        schema["additionalProperties"] = False
        serializer = self.target if not isinstance(self.target, type) else self.target()
        properties = schema.get("properties", {})
        for name, field in serializer.fields.items():
            prop = properties.get(name)
            if prop is None:
                continue
            if isinstance(field, serializers.ListField):
                field, prop = field.child, prop.get("items", {})
            if _is_trimmed_text(field) and prop.get("type") == "string":
                prop.setdefault("pattern", r"\S")
        # e.g. a ticket needs `title` or its alias `subject`.
        any_of = getattr(self.target, "schema_any_of_required", ())
        if any_of:
            schema["anyOf"] = [{"required": list(names)} for names in any_of]
        return schema


class JWTUserAuthenticationScheme(SimpleJWTScheme):
    """The HTTP bearer scheme of config.api.authentication, saying what to paste."""

    target_class = "config.api.authentication.JWTUserAuthentication"

    def get_security_definition(self, auto_schema):
        definition = super().get_security_definition(auto_schema)
        definition["description"] = (
            "The `access` token of POST /api/token/. In Swagger's Authorize dialog paste it "
            "alone or as `Bearer <token>`: both are accepted."
        )
        return definition


def _is_trimmed_text(field) -> bool:
    return (
        isinstance(field, serializers.CharField)
        and getattr(field, "trim_whitespace", False)
        and not getattr(field, "allow_blank", True)
    )


def _error_response(code: int, description: str) -> dict:
    body = "ValidationErrorBody" if code in (400, 409) else "ErrorBody"
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{body}"}}},
    }


class ApiAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema, plus a 403 on every operation whose permissions can refuse
    an authenticated caller (a permission class with `schema_allows_reads = True` refuses only
    writes)."""

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        if operation is not None and self._may_forbid():
            operation["responses"].setdefault("403", _error_response(403, _DESCRIPTIONS[403][0]))
        return operation

    def _may_forbid(self) -> bool:
        reading = self.method.upper() in SAFE_METHODS
        for permission in self.view.get_permissions():
            if isinstance(permission, (AllowAny, IsAuthenticated)):  # noqa: UP038 - DRF overloads |
                continue
            if reading and getattr(permission, "schema_allows_reads", False):
                continue
            return True
        return False


_URI_TOO_LONG = (
    "The request line is longer than the server accepts (8190 bytes); answered by the HTTP "
    "server before the application, not in JSON."
)
_WRITES = {"post", "put", "patch", "delete"}
_HTTP_METHODS = {"get", "put", "patch", "post", "delete", "head", "options", "trace"}


def document_standard_errors(result, generator, request, public):
    """Postprocessing hook: add the errors every operation of a kind can return, so that no
    view (including those of other apps) forgets one.

    - 400 when it takes a body or query parameters;
    - 401 when it needs credentials;
    - 404 when its path has an id, or it is paginated (a page past the last);
    - 409 when it changes data and needs credentials: config.api.exceptions answers a change that
      conflicts with existing data (say a concurrent one) with a 409 in any view;
    - 414 when it takes query parameters: a request line past gunicorn's limit
      (config/gunicorn.py) is refused by the HTTP server itself, without a JSON body;
    - 503 everywhere: the database may be unreachable.
    Codes a view declares itself (with their own description) are left alone.
    """
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("ErrorBody", _ERROR_BODY_SCHEMA)
    schemas.setdefault("ValidationErrorBody", _VALIDATION_BODY_SCHEMA)
    default_security = result.get("security")
    for path, item in result.get("paths", {}).items():
        for method, operation in item.items():
            if method not in _HTTP_METHODS:
                continue
            parameters = operation.get("parameters", [])
            codes = {503}
            if "requestBody" in operation or any(p.get("in") == "query" for p in parameters):
                codes.add(400)
            security = operation.get("security", default_security) or []
            if security and {} not in security:
                codes.add(401)
            if "{" in path or any(p.get("name") == "page" for p in parameters):
                codes.add(404)
            if method in _WRITES and 401 in codes:
                codes.add(409)
            responses = operation.setdefault("responses", {})
            for code in sorted(codes):
                responses.setdefault(str(code), _error_response(code, _DESCRIPTIONS[code][0]))
            if any(p.get("in") == "query" for p in parameters):
                responses.setdefault("414", {"description": _URI_TOO_LONG})
    return result


_ERROR_BODY_SCHEMA = {
    "type": "object",
    "properties": {
        "detail": {
            "type": "string",
            "description": "Why the request failed, when no single field is at fault.",
        }
    },
}
_VALIDATION_BODY_SCHEMA = {
    "type": "object",
    "description": "One key per offending field, each with its messages.",
}
