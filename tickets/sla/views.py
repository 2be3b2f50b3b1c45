"""SLA policies over the API: read by agents and staff, written by staff (docs/sla.md)."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.permissions import SAFE_METHODS

from agents.permissions import IsAgentOrStaff
from config.api.openapi import ERRORS
from config.api.permissions import IsStaff
from tickets.models import SlaPolicy
from tickets.sla.serializers import SlaPolicySerializer


@extend_schema_view(
    list=extend_schema(responses={200: SlaPolicySerializer(many=True), **ERRORS(401, 403)}),
    retrieve=extend_schema(responses={200: SlaPolicySerializer, **ERRORS(401, 403, 404)}),
    create=extend_schema(responses={201: SlaPolicySerializer, **ERRORS(400, 401, 403)}),
    update=extend_schema(responses={200: SlaPolicySerializer, **ERRORS(400, 401, 403, 404)}),
    partial_update=extend_schema(
        responses={200: SlaPolicySerializer, **ERRORS(400, 401, 403, 404)}
    ),
    destroy=extend_schema(responses={204: None, **ERRORS(401, 403, 404)}),
)
class SlaPolicyViewSet(viewsets.ModelViewSet):
    """Targets per priority for a department's tickets, or the default policy. A change
    applies to tickets created afterwards and to tickets whose due dates are computed again
    (priority or department change, return from PENDING)."""

    serializer_class = SlaPolicySerializer
    lookup_value_regex = r"[0-9]{1,18}"
    filter_backends = []

    def get_queryset(self):
        return SlaPolicy.objects.select_related("department", "calendar")

    def get_permissions(self):
        if self.request.method in SAFE_METHODS:
            return [IsAgentOrStaff()]
        return [IsStaff()]
