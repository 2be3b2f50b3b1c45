"""The agents' endpoints whose changes reach tickets: PATCH /api/agents/{id}/ (a move to another
department, `?reroute=open`), DELETE /api/agents/{id}/ (retirement) and PATCH
/api/agents/me/. agents/ may not import tickets, so this subclass of its viewset adds them and
config/urls.py registers it; the services are in tickets/agent_changes.py."""

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

from agents.serializers import (
    AgentRerouteQuerySerializer,
    AgentRetireResultSerializer,
    AgentSelfUpdateInputSerializer,
    AgentSerializer,
    AgentUpdateInputSerializer,
    TicketBriefSerializer,
)
from agents.views import AgentViewSet as AgentBaseViewSet
from config.api.exceptions import ConflictError
from config.api.openapi import ERRORS
from tickets import agent_changes


class AgentViewSet(AgentBaseViewSet):
    __doc__ = AgentBaseViewSet.__doc__

    @extend_schema(
        request=AgentUpdateInputSerializer,
        parameters=[AgentRerouteQuerySerializer],
        responses={200: AgentSerializer, **ERRORS(400, 401, 403, 404, 409)},
    )
    def partial_update(self, request, pk=None):
        """Department, availability, capacity, absence (`away_until`) and calendar. A move to
        another department sends their OPEN tickets of other departments back through routing;
        `?reroute=open` with a change that leaves them unavailable or away sends all their
        OPEN tickets back. A retired agent is a 409."""
        agent = self.get_object()
        if agent.retired_at is not None:
            raise ConflictError("The agent is retired; make them an agent again with POST.")
        data = _validated(AgentUpdateInputSerializer, request.data)
        query = _validated(AgentRerouteQuerySerializer, request.query_params.dict())
        agent_changes.agent_update(
            agent=agent, actor=request.user, reroute_open="reroute" in query, **data
        )
        return self.rendered(agent)

    @extend_schema(responses={200: AgentRetireResultSerializer, **ERRORS(401, 403, 404, 409)})
    def destroy(self, request, pk=None):
        """Retire the agent (the user account stays): routed to no more, kept for history.
        Their OPEN tickets go back through routing in the same transaction; their IN_PROGRESS
        and PENDING tickets stay with them for staff to reassign. The answer lists them."""
        agent = self.get_object()
        if agent.retired_at is not None:
            raise ConflictError("The agent is already retired.", field="agent")
        result = agent_changes.agent_retire(agent=agent, actor=request.user)
        return Response(
            {
                "agent": AgentSerializer(self.get_queryset().get(pk=agent.pk)).data,
                "rerouted": TicketBriefSerializer(result.rerouted, many=True).data,
                "in_progress": TicketBriefSerializer(result.in_progress, many=True).data,
                "pending": TicketBriefSerializer(result.pending, many=True).data,
            }
        )

    @extend_schema(methods=["GET"], responses={200: AgentSerializer, **ERRORS(401, 403, 404)})
    @extend_schema(
        methods=["PATCH"],
        request=AgentSelfUpdateInputSerializer,
        parameters=[AgentRerouteQuerySerializer],
        responses={200: AgentSerializer, **ERRORS(400, 401, 403, 404, 409)},
    )
    @action(detail=False, methods=["get", "patch"], url_path="me", pagination_class=None)
    def me(self, request):
        """The caller's own agent profile and state; PATCH their availability, absence
        (`away_until`, back automatically once it passes) and calendar. `?reroute=open` when
        going unavailable or away sends their OPEN tickets back through routing."""
        agent = self.my_agent(request)
        if request.method == "PATCH":
            data = _validated(AgentSelfUpdateInputSerializer, request.data)
            query = _validated(AgentRerouteQuerySerializer, request.query_params.dict())
            agent_changes.agent_update(
                agent=agent, actor=request.user, reroute_open="reroute" in query, **data
            )
        return self.rendered(agent)


def _validated(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
