"""Liveness and readiness probes for load balancers and orchestrators."""

import logging

from django.db import connection
from django.http import JsonResponse

from config.exceptions import RETRY_AFTER_SECONDS

logger = logging.getLogger(__name__)


def healthz(request):
    """The process is alive and answering (no dependency is touched)."""
    return JsonResponse({"status": "ok"})


def readyz(request):
    """Ready to serve: the database answers. Also says whether a trained model is loaded; a
    service without one is still ready (keyword rules classify meanwhile)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as error:  # noqa: BLE001 - any failure means not ready
        # The reason goes to the log, not to whoever probes a public endpoint.
        logger.error("not ready, database unreachable: %s", error)
        response = JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    from tickets.ml_registry import active_model

    try:
        model = active_model()
    except Exception as error:  # noqa: BLE001 - a broken model registry is not unreadiness
        logger.error("model registry unreadable: %s", error)
        model = None
    return JsonResponse(
        {
            "status": "ok",
            "database": "ok",
            "model_loaded": model is not None,
            "model": getattr(model, "version", None),
        }
    )
