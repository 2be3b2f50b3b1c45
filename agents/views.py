"""Agents with their load, and departments."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from agents import selectors, services
from agents.permissions import IsAgentOrStaff
from agents.serializers import AgentSerializer, AgentUpdateInputSerializer, DepartmentSerializer
from config.api.openapi import ERRORS
from config.api.permissions import IsStaff, ReadAnyWriteStaff


class AgentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Every agent with department, availability, capacity and current load: for agents and
    staff (requesters 403; they see the agent assigned to their own ticket on the ticket)."""

    serializer_class = AgentSerializer
    lookup_value_regex = r"[0-9]{1,18}"
    filter_backends = []

    def get_queryset(self):
        return selectors.agent_list()

    def get_permissions(self):
        if self.action == "partial_update":
            return [IsStaff()]
        return [IsAgentOrStaff()]

    @extend_schema(
        request=AgentUpdateInputSerializer,
        responses={200: AgentSerializer, **ERRORS(400, 401, 403, 404)},
    )
    def partial_update(self, request, pk=None):
        agent = self.get_object()
        serializer = AgentUpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.agent_update(agent=agent, actor=request.user, **serializer.validated_data)
        return Response(AgentSerializer(self.get_queryset().get(pk=agent.pk)).data)


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
