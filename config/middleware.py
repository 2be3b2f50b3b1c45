"""Guards in front of every view: hostile input is a JSON 400, a lost database a JSON 503."""


from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http import JsonResponse

from config.api.exceptions import database_unavailable_response


def _refusal(request) -> str | None:
    """Why no endpoint could accept this request, or None."""
    if "\x00" in request.path_info:
        return "The path contains a NUL byte."
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return "Invalid Content-Length header."
    if limit is not None and length > limit:
        return f"The request body is larger than the {limit} bytes accepted."
    try:
        query = request.GET
    except SuspiciousOperation as error:  # too many parameters
        return str(error)
    for key, values in query.lists():
        if "\x00" in key or any("\x00" in value for value in values):
            return f"The query parameter {key!r} contains a NUL byte."
    return None


class RequestGuardMiddleware:
    """Refuses, before any view runs, what no endpoint accepts: NUL bytes in the path or the
    query string (PostgreSQL cannot store them, so they would surface as 500s) and bodies over
    DATA_UPLOAD_MAX_MEMORY_SIZE (DRF reads the body as a stream, past Django's own check).

    Also answers 503 JSON with Retry-After when the database is unreachable from a view that
    is not DRF's (admin, dashboard; DRF views get the same from config.api.exceptions), and keeps
    the 404s of unknown /api/ paths JSON even with DEBUG on.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        reason = _refusal(request)
        if reason is not None:
            return JsonResponse({"detail": reason}, status=400)
        response = self.get_response(request)
        if (
            response.status_code == 404
            and request.path_info.startswith("/api/")
            and response.get("Content-Type", "").startswith("text/html")
        ):
            return JsonResponse({"detail": "Not found."}, status=404)
        return response

    def process_exception(self, request, exception):
        return database_unavailable_response(exception)
