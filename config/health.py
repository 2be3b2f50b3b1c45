"""Liveness and readiness probes for load balancers and orchestrators."""

from django.db import connection
from django.http import JsonResponse


def healthz(request):
    """The process is alive and answering (no dependency is touched)."""
    return JsonResponse({"status": "ok"})


def readyz(request):
    """Ready to serve: the database answers; reports whether a trained model is loaded."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as error:  # noqa: BLE001 - any failure means not ready
        return JsonResponse({"status": "unavailable", "database": str(error)[:200]}, status=503)
    from tickets.ml_registry import active_model

    model = active_model()
    return JsonResponse(
        {
            "status": "ok",
            "database": "ok",
            "model": getattr(model, "version", None),
        }
    )
