"""Analytics endpoints: validate the query, call one selector, render. Agents and staff only."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from agents.permissions import IsAgentOrStaff
from config.api.openapi import ERRORS
from tickets.analytics import selectors
from tickets.analytics import serializers as s
from tickets.analytics import sla as sla_figures
from tickets.analytics import triage as triage_selectors

WINDOWS = (
    " Staff see every ticket; an agent sees their department's. `days` (1-3650, default 30)"
    " selects the window [now - days, now], bounds included."
)


class AnalyticsView(APIView):
    permission_classes = [IsAgentOrStaff]
    query_serializer_class: type[serializers.Serializer]

    def query(self, request: Request) -> dict:
        # A plain dict, not the QueryDict: DRF would read `?days=` as "not given" (form rules).
        serializer = self.query_serializer_class(data=request.query_params.dict())
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


class AnalyticsRootView(AnalyticsView):
    @extend_schema(
        summary="The analytics endpoints and the dashboard",
        responses={200: s.AnalyticsRootSerializer, **ERRORS(401, 403)},
    )
    def get(self, request: Request) -> Response:
        names = {"trends": "analytics-trends", "mttr": "analytics-mttr"}
        names |= {"first_response": "analytics-first-response"}
        names |= {"backlog": "analytics-backlog", "agents": "analytics-agents"}
        names |= {"triage": "analytics-triage"}
        names |= {"sla": "analytics-sla", "sla_at_risk": "analytics-sla-at-risk"}
        links = {key: reverse(name, request=request) for key, name in names.items()}
        return Response({**links, "dashboard": reverse("dashboard", request=request)})


class TrendsView(AnalyticsView):
    query_serializer_class = s.TrendsQuerySerializer

    @extend_schema(
        summary="Tickets created per category",
        description="Counts by created_at in the window; `?interval=day|week` adds a series per"
        " category over every bucket (local TIME_ZONE, weeks from Monday), empty ones at 0."
        " Tickets without category count under `uncategorised`." + WINDOWS,
        parameters=[s.TrendsQuerySerializer],
        responses={200: s.TrendsSerializer, **ERRORS(400, 401, 403)},
    )
    def get(self, request: Request) -> Response:
        figures = selectors.analytics_trends(user=request.user, **self.query(request))
        return Response(s.TrendsSerializer(figures).data)


class ResolutionTimesView(AnalyticsView):
    query_serializer_class = s.ResolutionTimesQuerySerializer

    @extend_schema(
        summary="Time to resolve (mean, median, 90th percentile)",
        description="Seconds from created_at to resolved_at of the tickets whose resolved_at lies"
        " in the window; a reopened ticket counts only its latest resolution. `?by=` breaks the"
        " figures down by category, priority, department or agent." + WINDOWS,
        parameters=[s.ResolutionTimesQuerySerializer],
        responses={200: s.ResolutionTimesSerializer, **ERRORS(400, 401, 403)},
    )
    def get(self, request: Request) -> Response:
        figures = selectors.analytics_resolution_times(user=request.user, **self.query(request))
        return Response(s.ResolutionTimesSerializer(figures).data)


class FirstResponseView(AnalyticsView):
    query_serializer_class = s.ResolutionTimesQuerySerializer

    @extend_schema(
        summary="Time to first response (mean, median, 90th percentile)",
        description="Seconds from created_at to first_response_at (the first public reply by"
        " an agent or staff) of the tickets created in the window that have one; `awaiting`"
        " counts the window's unresolved tickets (open or PENDING) with no first response yet."
        " `?by=` breaks the figures down by category, priority, department or agent (the"
        " assignee)." + WINDOWS,
        parameters=[s.ResolutionTimesQuerySerializer],
        responses={200: s.FirstResponseSerializer, **ERRORS(400, 401, 403)},
    )
    def get(self, request: Request) -> Response:
        figures = selectors.analytics_first_response(user=request.user, **self.query(request))
        return Response(s.FirstResponseSerializer(figures).data)


class BacklogView(AnalyticsView):
    @extend_schema(
        summary="Open tickets now",
        description="OPEN and IN_PROGRESS tickets by age (now - created_at), priority,"
        " department and category, with how many are unassigned; PENDING tickets (waiting on"
        " the requester) are counted apart, in `pending`. Staff see every ticket; an agent"
        " sees their department's.",
        responses={200: s.BacklogSerializer, **ERRORS(401, 403)},
    )
    def get(self, request: Request) -> Response:
        figures = selectors.analytics_backlog(user=request.user)
        return Response(s.BacklogSerializer(figures).data)


class AgentsView(AnalyticsView):
    query_serializer_class = s.WindowQuerySerializer

    @extend_schema(
        summary="Agents' load, capacity and throughput",
        description="Per agent: open tickets now against capacity, tickets now assigned to them"
        " and created in the window (by created_at), tickets resolved in the window (by"
        " resolved_at) and their median time to resolve. Staff see every agent; an agent the"
        " agents of their department. `days` (1-3650, default 30) selects [now - days, now].",
        parameters=[s.WindowQuerySerializer],
        responses={200: s.AgentsSerializer, **ERRORS(400, 401, 403)},
    )
    def get(self, request: Request) -> Response:
        figures = selectors.analytics_agents(user=request.user, **self.query(request))
        return Response(s.AgentsSerializer(figures).data)


class TriageView(AnalyticsView):
    query_serializer_class = s.WindowQuerySerializer

    @extend_schema(
        summary="Triage: who decided, corrections, misroutes, reassignments",
        description="Triage's decisions on the tickets created in the window (by created_at):"
        " overall, per model version (null: keywords or nobody) and per category decided,"
        " how many the model, the keyword rules or nobody decided, how many a person then"
        " corrected (a misroute when into another department) and how many were reassigned,"
        " with rates; and the confidence threshold in force. A corrected ticket counts under"
        " the decision that was corrected." + WINDOWS,
        parameters=[s.WindowQuerySerializer],
        responses={200: s.TriageSerializer, **ERRORS(400, 401, 403)},
    )
    def get(self, request: Request) -> Response:
        figures = triage_selectors.analytics_triage(user=request.user, **self.query(request))
        return Response(s.TriageSerializer(figures).data)


class SlaView(AnalyticsView):
    query_serializer_class = s.WindowQuerySerializer

    @extend_schema(
        summary="SLA compliance",
        description="Targets met and breached, and the share met, overall and per priority,"
        " department and agent (current assignee); breaches per local day. A target counts"
        " when its verdict falls in the window: met at the first public reply (or resolution)"
        " before the due instant, breached at its due instant (docs/sla.md)." + WINDOWS,
        parameters=[s.WindowQuerySerializer],
        responses={200: s.SlaSerializer, **ERRORS(400, 401, 403)},
    )
    def get(self, request: Request) -> Response:
        figures = sla_figures.analytics_sla(user=request.user, **self.query(request))
        return Response(s.SlaSerializer(figures).data)


class SlaAtRiskView(AnalyticsView):
    @extend_schema(
        summary="Tickets at risk of an SLA breach now",
        description="Unresolved tickets at risk (none of their targets breached yet) and"
        " breached, with the first 20 at risk. Staff see every ticket; an agent sees their"
        " department's.",
        responses={200: s.SlaAtRiskSerializer, **ERRORS(401, 403)},
    )
    def get(self, request: Request) -> Response:
        figures = sla_figures.analytics_sla_at_risk(user=request.user)
        return Response(s.SlaAtRiskSerializer(figures).data)
