"""Domain errors and the API exception handler that turns them into JSON 4xx answers."""

import logging

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError, InterfaceError, OperationalError
from django.http import JsonResponse
from rest_framework import status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler

logger = logging.getLogger(__name__)

DATABASE_UNAVAILABLE = "The database is unavailable; try again shortly."
RETRY_AFTER_SECONDS = 5


def database_is_unreachable(exc: BaseException) -> bool:
    """The connection failed or was lost (as opposed to a query the database refused)."""
    return isinstance(exc, OperationalError | InterfaceError)


def database_unavailable_response(exc: BaseException) -> JsonResponse | None:
    """The one 503 answer to a lost database (JSON with Retry-After), for DRF views, other
    views (middleware) and errors raised outside any view alike; None for other errors."""
    if not database_is_unreachable(exc):
        return None
    logger.error("database unavailable: %s", exc)
    response = JsonResponse({"detail": DATABASE_UNAVAILABLE}, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class DomainError(Exception):
    """A business rule refused the request. Rendered as 400 ``{field: [message], ...}``."""

    status_code = status.HTTP_400_BAD_REQUEST

    def __init__(self, message: str, *, field: str = "non_field_errors", **extra):
        super().__init__(message)
        self.message = message
        self.field = field
        self.extra = extra

    def as_body(self) -> dict:
        return {self.field: [self.message], **self.extra}


class ConflictError(DomainError):
    """The request is valid but the current state forbids it (409)."""

    status_code = status.HTTP_409_CONFLICT


def api_exception_handler(exc, context):
    """DRF's handler plus domain errors (400/409), model validation (400), a value the database
    refuses (400), conflicting data (409), lost database (503)."""
    if isinstance(exc, DomainError):
        return Response(exc.as_body(), status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        return Response(as_serializer_error(exc), status=status.HTTP_400_BAD_REQUEST)
    response = exception_handler(exc, context)
    if response is None and isinstance(exc, IntegrityError):
        logger.warning("integrity error: %s", exc)
        return Response(
            {"detail": "The change conflicts with existing data."}, status=status.HTTP_409_CONFLICT
        )
    if response is None and isinstance(exc, DataError):
        logger.warning("value refused by the database: %s", exc)
        return Response(
            {"detail": "A value is malformed or out of range."},
            status=status.HTTP_400_BAD_REQUEST,
        )
    if response is None:
        return database_unavailable_response(exc)
    return response
