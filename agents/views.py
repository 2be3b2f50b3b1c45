"""Agents with their load, and departments."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response

from agents import selectors, services
from agents.models import Agent
from agents.permissions import IsAgentOrStaff
from agents.selectors import agent_get_for_user
from agents.serializers import (
    AgentCreateInputSerializer,
    AgentListQuerySerializer,
    AgentSerializer,
    CalendarSerializer,
    DepartmentSerializer,
)
from config.api.openapi import ERRORS
from config.api.permissions import IsStaff, ReadAnyWriteStaff


class AgentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Agents with department, availability, absence, hours, capacity and load. Read: agents
    and staff; write: staff; `me/`: the agent themself.

    The writes that reach tickets (PATCH, DELETE, `me/` PATCH) are added by the subclass in
    tickets/agents_api.py, which config/urls.py registers: agents/ imports nothing of tickets.
    """

    serializer_class = AgentSerializer
    permission_classes = [IsAgentOrStaff]
    lookup_value_regex = r"[0-9]{1,18}"
    filter_backends = []

    def get_queryset(self):
        staff = bool(getattr(self.request, "user", None) and self.request.user.is_staff)
        include_retired = staff and (self.action != "list" or self._include_retired())
        return selectors.agent_list(include_retired=include_retired)

    def _include_retired(self) -> bool:
        query = AgentListQuerySerializer(data=self.request.query_params.dict())
        query.is_valid(raise_exception=True)
        return query.validated_data["include_retired"]

    def get_permissions(self):
        if self.action in ("create", "partial_update", "destroy"):
            return [IsStaff()]
        return [IsAgentOrStaff()]

    def rendered(self, agent: Agent, *, code=status.HTTP_200_OK) -> Response:
        agent = selectors.agent_list().get(pk=agent.pk)
        return Response(AgentSerializer(agent).data, status=code)

    @extend_schema(
        parameters=[AgentListQuerySerializer],
        responses={200: AgentSerializer(many=True), **ERRORS(400, 401, 403)},
    )
    def list(self, request):
        if self._include_retired() and not request.user.is_staff:
            raise PermissionDenied("Only staff may list retired agents.")
        return super().list(request)

    @extend_schema(responses={200: AgentSerializer, **ERRORS(401, 403, 404)})
    def retrieve(self, request, pk=None):
        return super().retrieve(request, pk=pk)

    @extend_schema(
        request=AgentCreateInputSerializer,
        responses={201: AgentSerializer, **ERRORS(400, 401, 403, 409)},
    )
    def create(self, request):
        """Make a user an agent: an existing one (`user` id or `username`), or a new one
        (`username`, `email`, initial `password`). A retired agent comes back into service."""
        data = _validated(AgentCreateInputSerializer, request.data)
        agent = services.agent_create(actor=request.user, **data)
        return self.rendered(agent, code=status.HTTP_201_CREATED)

    def my_agent(self, request) -> Agent:
        agent = agent_get_for_user(user=request.user)
        if agent is None:
            raise NotFound("You are not an agent.")
        return agent

    @extend_schema(responses={200: AgentSerializer, **ERRORS(401, 403, 404)})
    @action(detail=False, methods=["get"], url_path="me", pagination_class=None)
    def me(self, request):
        """The caller's own agent profile and state."""
        return self.rendered(self.my_agent(request))


class CalendarViewSet(viewsets.ModelViewSet):
    """Working hours, for agents and departments (docs/agents.md). Read: agents and staff;
    write: staff. A calendar in use cannot be deleted (409)."""

    serializer_class = CalendarSerializer
    lookup_value_regex = r"[0-9]{1,18}"
    filter_backends = []
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return selectors.calendar_list()

    def get_permissions(self):
        if self.request.method in SAFE_METHODS:
            return [IsAgentOrStaff()]
        return [IsStaff()]

    @extend_schema(responses={204: None, **ERRORS(401, 403, 404, 409)})
    def destroy(self, request, pk=None):
        services.calendar_delete(calendar=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


def _validated(serializer_class, data, **kwargs) -> dict:
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class DepartmentViewSet(viewsets.ModelViewSet):
    """Departments. Read: any authenticated user; write: staff."""

    serializer_class = DepartmentSerializer
    permission_classes = [ReadAnyWriteStaff]
    lookup_value_regex = r"[0-9]{1,18}"
    filter_backends = []

    def get_queryset(self):
        return selectors.department_list()

    @extend_schema(responses={204: None, **ERRORS(401, 403, 404, 409)})
    def destroy(self, request, pk=None):
        services.department_delete(department=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
