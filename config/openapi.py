"""Shared OpenAPI declarations: the error bodies every endpoint can return."""

from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

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

_DESCRIPTIONS = {
    400: ("Invalid input: the body names each offending field.", _VALIDATION_BODY),
    401: ("Missing, invalid or expired credentials.", _ERROR_BODY),
    403: ("Authenticated, but not allowed to do this.", _ERROR_BODY),
    404: ("No such object, or not visible to the caller.", _ERROR_BODY),
    409: ("The current state forbids this change.", _VALIDATION_BODY),
    429: ("Too many requests; see Retry-After.", _ERROR_BODY),
    503: ("The database is unavailable.", _ERROR_BODY),
}


def ERRORS(*codes: int) -> dict:  # noqa: N802 - reads like a constant at the call site
    """`responses={200: ..., **ERRORS(400, 404)}`."""
    return {
        code: OpenApiResponse(response=_DESCRIPTIONS[code][1], description=_DESCRIPTIONS[code][0])
        for code in codes
    }
