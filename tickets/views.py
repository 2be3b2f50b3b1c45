"""Ticket endpoints: parse and authorise, validate, call one service, render."""

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from agents.permissions import user_is_agent_or_staff
from config.api.openapi import ERRORS
from config.api.ordering import StrictOrderingFilter
from config.api.permissions import ReadAnyWriteStaff
from config.api.throttling import TicketCreateThrottle
from tickets import selectors, services
from tickets.conversation import selectors as conversation_selectors
from tickets.filters import BoundedSearchFilter, TicketFilterSet
from tickets.models import Ticket
from tickets.permissions import IsAgentOrStaffOnTicket, IsStaffOnTicket
from tickets.serializers import (
    CategorySerializer,
    CategorySummarySerializer,
    TicketAssignInputSerializer,
    TicketCreateInputSerializer,
    TicketEventSerializer,
    TicketReassignInputSerializer,
    TicketSerializer,
    TicketTransitionInputSerializer,
    TicketUpdateInputSerializer,
)
from tickets.triage import similarity
from tickets.triage.serializers import (
    RerouteQuerySerializer,
    SimilarQuerySerializer,
    SimilarTicketSerializer,
    TicketPredictResultSerializer,
)

CATEGORY_AT_CREATION_REFUSED = (
    "Only staff and agents choose a ticket's category; leave it out and the ticket is "
    "classified from its text."
)


class TicketViewSet(viewsets.GenericViewSet):
    """Tickets the caller may see; state changes go through tickets.services."""

    serializer_class = TicketSerializer
    lookup_value_regex = r"[0-9]{1,18}"
    filter_backends = [DjangoFilterBackend, BoundedSearchFilter, StrictOrderingFilter]
    filterset_class = TicketFilterSet
    search_fields = ["title", "description"]
    ordering_fields = ["created_at", "updated_at", "priority"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no real user
            return Ticket.objects.none()
        return selectors.ticket_list(user=self.request.user)

    def get_permissions(self):
        # Checked on the ticket found in the caller's scope: out of sight is 404, then 403.
        if self.action in (
            "update",
            "partial_update",
            "assign",
            "reassign",
            "transition",
            "ml_predict",
        ):
            return [IsAgentOrStaffOnTicket()]
        if self.action == "destroy":
            return [IsStaffOnTicket()]
        return super().get_permissions()

    def get_object(self) -> Ticket:
        """The ticket of the URL in the caller's scope (404 outside it). The list's filters,
        search and ordering are not applied to one ticket: building the filter set for
        nothing was a tenth of a retrieve's time."""
        ticket = get_object_or_404(self.get_queryset(), pk=self.kwargs[self.lookup_field])
        self.check_object_permissions(self.request, ticket)
        return ticket

    def get_throttles(self):
        if self.action == "create":
            return [TicketCreateThrottle()]
        return super().get_throttles()

    def _render(self, ticket, *, code=status.HTTP_200_OK) -> Response:
        # Re-read with its relations; not scoped, as a change (say, of category) may move the
        # ticket out of the caller's department after they were allowed to make it.
        return Response(TicketSerializer(selectors.ticket_detail(pk=ticket.pk)).data, status=code)

    @extend_schema(responses={200: TicketSerializer(many=True), **ERRORS(400, 401)})
    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(TicketSerializer(page, many=True).data)

    @extend_schema(
        request=TicketCreateInputSerializer,
        responses={201: TicketSerializer, **ERRORS(400, 401, 429)},
    )
    def create(self, request):
        data = _validated(TicketCreateInputSerializer, request.data)
        if "category" in data and not user_is_agent_or_staff(request.user):
            raise ValidationError({"category": [CATEGORY_AT_CREATION_REFUSED]})
        ticket = services.ticket_create(created_by=request.user, **data)
        return Response(TicketSerializer(ticket).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: TicketSerializer, **ERRORS(401, 404)})
    def retrieve(self, request, pk=None):
        return Response(TicketSerializer(self.get_object()).data)

    @extend_schema(
        request=TicketUpdateInputSerializer,
        responses={200: TicketSerializer, **ERRORS(400, 401, 403, 404, 409)},
    )
    def update(self, request, pk=None):
        """Replace the text (title and description required) and change any of priority,
        category, status and assignee, all or nothing (docs/tickets-update.md)."""
        return self._update(request, partial=False)

    @extend_schema(
        request=TicketUpdateInputSerializer,
        responses={200: TicketSerializer, **ERRORS(400, 401, 403, 404, 409)},
    )
    def partial_update(self, request, pk=None):
        """Change any of title, description, priority, category, status and assignee, all or
        nothing: the same rules and events as transition/ and assign/ (docs/tickets-update.md)."""
        return self._update(request, partial=True)

    def _update(self, request, *, partial: bool) -> Response:
        ticket = self.get_object()
        data = _validated(TicketUpdateInputSerializer, request.data, partial=partial)
        ticket = services.ticket_update(ticket=ticket, actor=request.user, **data)
        return self._render(ticket)

    @extend_schema(responses={204: None, **ERRORS(401, 403, 404, 409)})
    def destroy(self, request, pk=None):
        services.ticket_delete(ticket=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=TicketAssignInputSerializer,
        responses={200: TicketSerializer, **ERRORS(400, 401, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        ticket = self.get_object()
        data = _validated(TicketAssignInputSerializer, request.data)
        ticket = services.ticket_assign(
            ticket=ticket, user_id=data["assigned_to"], actor=request.user
        )
        return self._render(ticket)

    @extend_schema(
        request=TicketReassignInputSerializer,
        responses={200: TicketSerializer, **ERRORS(400, 401, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def reassign(self, request, pk=None):
        ticket = self.get_object()
        data = _validated(TicketReassignInputSerializer, request.data)
        ticket = services.ticket_reassign(
            ticket=ticket, actor=request.user, user_id=data.get("agent")
        )
        return self._render(ticket)

    @extend_schema(
        request=TicketTransitionInputSerializer,
        responses={
            200: TicketSerializer,
            **ERRORS(400, 401, 403, 404),
            409: OpenApiResponse(
                ERRORS(409)[409].response,
                description="The workflow forbids this move from the ticket's current status: "
                "`status` says why and `allowed` lists the statuses it may go to.",
            ),
        },
    )
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        ticket = self.get_object()
        data = _validated(TicketTransitionInputSerializer, request.data)
        ticket = services.ticket_transition(
            ticket=ticket, status=data["status"], actor=request.user
        )
        return self._render(ticket)

    @extend_schema(responses={200: TicketEventSerializer(many=True), **ERRORS(401, 404)})
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def events(self, request, pk=None):
        # Without the traces of internal notes for a requester (tickets/conversation/).
        events = conversation_selectors.event_list_visible(
            ticket=self.get_object(), user=request.user
        )
        return Response(TicketEventSerializer(events, many=True).data)

    @extend_schema(
        request=None,
        parameters=[RerouteQuerySerializer],
        responses={200: TicketPredictResultSerializer, **ERRORS(400, 401, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def ml_predict(self, request, pk=None):
        """Classify with the trained model and write the category to the ticket."""
        ticket = self.get_object()
        query = _validated(RerouteQuerySerializer, request.query_params.dict())
        ticket, prediction = services.ticket_predict(
            ticket=ticket, actor=request.user, reroute=query["reroute"]
        )
        ticket = selectors.ticket_detail(pk=ticket.pk)
        return Response(
            {
                "category": CategorySummarySerializer(ticket.category).data,
                "confidence": prediction.confidence,
                "model_version": prediction.model_version,
                "top": [{"label": label, "probability": p} for label, p in prediction.top],
                "ticket": TicketSerializer(ticket).data,
            }
        )

    @extend_schema(
        parameters=[SimilarQuerySerializer],
        responses={200: SimilarTicketSerializer(many=True), **ERRORS(400, 401, 404, 409)},
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def similar(self, request, pk=None):
        """The most similar other tickets the caller may see, best first."""
        ticket = self.get_object()
        query = _validated(SimilarQuerySerializer, request.query_params.dict())
        results = similarity.ticket_similar_list(ticket=ticket, user=request.user, top=query["top"])
        # One serializer for every row: building its fields costs more than rendering a row.
        rows = TicketSerializer([t for t, _score in results], many=True).data
        scores = [score for _t, score in results]
        return Response(
            [{"score": score, "ticket": row} for score, row in zip(scores, rows, strict=True)]
        )


def _validated(serializer_class, data, **kwargs) -> dict:
    # Query parameters come as `request.query_params.dict()`: given a QueryDict, DRF reads
    # `?top=` as "not given" (HTML form rules) where the schema says it must be a number.
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class CategoryViewSet(viewsets.ModelViewSet):
    """Categories and their keyword rules. Read: any authenticated user; write: staff."""

    serializer_class = CategorySerializer
    permission_classes = [ReadAnyWriteStaff]
    lookup_value_regex = r"[0-9]{1,18}"
    filter_backends = []

    def get_queryset(self):
        return selectors.category_list()
