"""Request logging: one line per request with a request id, and an optional JSON format."""

import contextvars
import json
import logging
import re
import time
import uuid

from django.core.signals import request_finished
from django.utils.functional import LazyObject, empty

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
access_logger = logging.getLogger("tickets.access")


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record, so routing and model logs tie back to a request."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):  # the access line brings its own
            record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line, with the extra fields a log pipeline indexes."""

    FIELDS = ("request_id", "method", "path", "status", "duration_ms", "user_id")

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({f: getattr(record, f) for f in self.FIELDS if hasattr(record, f)})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def _user_id(request):
    """The caller's id if the request has already looked them up. Never a query of its own:
    the database may be what just failed, and a log line must not turn a 503 into a 500."""
    user = request.__dict__.get("user")
    if isinstance(user, LazyObject) and user._wrapped is empty:
        return None
    return getattr(user, "pk", None)


class RequestLogMiddleware:
    """Takes the caller's X-Request-ID (or makes one), returns it, and logs the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _VALID_ID.match(incoming) else uuid.uuid4().hex
        # Kept until the request is finished (see _request_id_forget), not reset on the way
        # out: Django logs 4xx/5xx responses, tracebacks included, after every middleware.
        request_id_var.set(request_id)
        started = time.perf_counter()
        response = self.get_response(request)
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        response["X-Request-ID"] = request_id
        access_logger.info(
            "%s %s %s %.1fms",
            request.method,
            request.path,
            response.status_code,
            duration_ms,
            extra={
                "request_id": request_id,
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": duration_ms,
                "user_id": _user_id(request),
            },
        )
        return response


def _request_id_forget(**kwargs) -> None:
    request_id_var.set("-")


request_finished.connect(_request_id_forget, dispatch_uid="config.logging.request_id_forget")
