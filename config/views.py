"""Project-level endpoints: the API root and JSON error pages for API paths."""

import sys

from django.http import JsonResponse
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.reverse import reverse

from config.api.exceptions import database_unavailable_response


@extend_schema(
    responses=inline_serializer(
        name="ApiRoot",
        fields={
            "message": serializers.CharField(),
            "documentation": serializers.CharField(),
            "endpoints_principaux": serializers.CharField(),
            "links": serializers.DictField(child=serializers.CharField()),
        },
    )
)
@api_view(["GET"])
@permission_classes([AllowAny])
def api_root(request):
    """Welcome message and the main endpoints (public)."""
    return Response(
        {
            "message": "Bienvenue sur l'API de Routage de Tickets",
            "documentation": "/api/docs/",
            "endpoints_principaux": "/api/ticket/",
            "links": {
                "tickets": reverse("ticket-list", request=request),
                "agents": reverse("agent-list", request=request),
                "departments": reverse("department-list", request=request),
                "categories": reverse("category-list", request=request),
                "model": reverse("ml-model", request=request),
                "token": reverse("token_obtain_pair", request=request),
                "schema": reverse("schema", request=request),
                "docs": reverse("swagger-ui", request=request),
                "analytics": reverse("analytics-root", request=request),
                "dashboard": reverse("dashboard", request=request),
                "admin": "/admin/",
            },
        }
    )


def json_not_found(request, exception=None):
    """404 for unmatched paths: JSON under /api/, Django's page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)


def json_bad_request(request, exception=None):
    """400 raised by Django itself (body too large, bad host...): JSON under /api/."""
    if request.path.startswith("/api/"):
        reason = str(exception) if exception else "Bad request."
        return JsonResponse({"detail": reason or "Bad request."}, status=400)
    from django.views.defaults import bad_request

    return bad_request(request, exception)


def json_server_error(request):
    """500 for API paths as JSON; a lost database (raised outside any view, say in a
    middleware) is a 503 JSON with Retry-After on every path."""
    unavailable = database_unavailable_response(sys.exc_info()[1])
    if unavailable is not None:
        return unavailable
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Internal server error."}, status=500)
    from django.views.defaults import server_error

    return server_error(request)
