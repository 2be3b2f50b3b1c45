"""Liveness and readiness probes for load balancers and orchestrators."""

import logging

from django.db import connection
from django.http import JsonResponse

from config.api.exceptions import RETRY_AFTER_SECONDS

logger = logging.getLogger(__name__)


def healthz(request):
    """The process is alive and answering (no dependency is touched)."""
    return JsonResponse({"status": "ok"})


def readyz(request):
    """Ready to serve: the database answers. Also says which model this process has loaded
    (`model_loaded`, `model`) and which one is active (`active_version`, the cheap cached
    check); a service without a model is still ready (keyword rules classify meanwhile).

    The probe never loads a model: fetching and unpickling an artefact (hundreds of MB)
    would outlast a probe's timeout. Requests load the active one when they need it."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as error:  # noqa: BLE001 - any failure means not ready
        # The reason goes to the log, not to whoever probes a public endpoint.
        logger.error("not ready, database unreachable: %s", error)
        response = JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    from tickets.triage.registry import active_row, loaded_version

    try:
        active = active_row()
    except Exception as error:  # noqa: BLE001 - a broken model registry is not unreadiness
        logger.error("model registry unreadable: %s", error)
        active = None
    loaded = loaded_version()
    return JsonResponse(
        {
            "status": "ok",
            "database": "ok",
            "model_loaded": loaded is not None,
            "model": loaded,
            "active_version": active[0] if active else None,
        }
    )
