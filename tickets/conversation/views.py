"""`/api/tickets/{id}/messages/`: parse and authorise, validate, call one service, render.

The ticket is looked up in the caller's scope (tickets.selectors: out of sight is a 404), and
each message among those the caller may see (a note is a 404 to a requester)."""

import logging

from django.core.files.storage import default_storage
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.generics import get_object_or_404
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from config.api.openapi import ERRORS
from config.api.parsers import SafeJSONParser
from tickets.conversation import selectors, services
from tickets.conversation.serializers import (
    MessageCreateInputSerializer,
    MessageCreateMultipartSerializer,
    MessageEditInputSerializer,
    MessageRedactInputSerializer,
    MessageSerializer,
)
from tickets.conversation.uploads import upload_handlers_install
from tickets.models import Ticket, TicketMessage
from tickets.permissions import IsStaffOnTicket
from tickets.selectors import ticket_visible_queryset

logger = logging.getLogger(__name__)

# As the ticket routes declare their ids (tickets/conversation/urls.py).
_ID_SCHEMA = {"type": "string", "pattern": r"^[0-9]{1,18}$"}
_PATH_PARAMETERS = [
    OpenApiParameter("id", _ID_SCHEMA, OpenApiParameter.PATH, description="The ticket's id."),
    OpenApiParameter("message_id", _ID_SCHEMA, OpenApiParameter.PATH),
]


class TicketMessageViewSet(viewsets.GenericViewSet):
    """The conversation on one ticket, oldest first."""

    serializer_class = MessageSerializer
    parser_classes = [SafeJSONParser, MultiPartParser]
    filter_backends = []
    # Oldest first; also what `?cursor=` pages follow.
    ordering = ["created_at", "id"]

    def initialize_request(self, request, *args, **kwargs):
        # Before anything reads the body: the per-file size limit applies while it streams in.
        self._uploads = upload_handlers_install(request)
        return super().initialize_request(request, *args, **kwargs)

    def get_permissions(self):
        if self.action == "redact":
            return [IsStaffOnTicket()]
        return super().get_permissions()

    def perform_content_negotiation(self, request, force=False):
        if self.action == "attachment":
            # A download answers with the file's own type whatever the client accepts; its
            # errors are JSON.
            renderer = self.get_renderers()[0]
            return renderer, renderer.media_type
        return super().perform_content_negotiation(request, force=force)

    def get_queryset(self):  # for the schema: the messages of one ticket
        return TicketMessage.objects.none()

    def _ticket(self) -> Ticket:
        return get_object_or_404(
            ticket_visible_queryset(user=self.request.user), pk=self.kwargs["id"]
        )

    def _message(self):
        ticket = self._ticket()
        message = selectors.message_get(
            ticket=ticket, user=self.request.user, message_id=self.kwargs["message_id"]
        )
        self.check_object_permissions(self.request, message)
        return message

    def _render(self, message, *, code=status.HTTP_200_OK) -> Response:
        message = selectors.message_get(
            ticket=message.ticket, user=self.request.user, message_id=message.pk
        )
        return Response(self.get_serializer(message).data, status=code)

    @extend_schema(
        parameters=[_PATH_PARAMETERS[0]],
        responses={200: MessageSerializer(many=True), **ERRORS(400, 401, 404)},
    )
    def list(self, request, id=None):
        """The messages the caller may see (requesters: public replies only), oldest first."""
        ticket = self._ticket()
        page = self.paginate_queryset(selectors.message_list(ticket=ticket, user=request.user))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        parameters=[_PATH_PARAMETERS[0]],
        request={
            "application/json": MessageCreateInputSerializer,
            "multipart/form-data": MessageCreateMultipartSerializer,
        },
        responses={201: MessageSerializer, **ERRORS(400, 401, 403, 404, 409)},
    )
    def create(self, request, id=None):
        """A public reply (requester, agents, staff) or an internal note (agents and staff);
        files as multipart/form-data `attachments` parts."""
        ticket = self._ticket()
        multipart = request.content_type.startswith("multipart/")
        serializer_class = (
            MessageCreateMultipartSerializer if multipart else MessageCreateInputSerializer
        )
        data = request.data
        if self._uploads.refused:
            limit = self._uploads.max_bytes
            raise ValidationError(
                {
                    "attachments": [
                        f"{name}: larger than the {limit} bytes accepted."
                        for name in self._uploads.refused
                    ]
                }
            )
        serializer = serializer_class(data=data)
        serializer.is_valid(raise_exception=True)
        message = services.message_create(
            ticket=ticket, author=request.user, **serializer.validated_data
        )
        return self._render(message, code=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=_PATH_PARAMETERS, responses={200: MessageSerializer, **ERRORS(401, 404)}
    )
    def retrieve(self, request, id=None, message_id=None):
        return Response(self.get_serializer(self._message()).data)

    @extend_schema(
        parameters=_PATH_PARAMETERS,
        request=MessageEditInputSerializer,
        responses={200: MessageSerializer, **ERRORS(400, 401, 403, 404, 409)},
    )
    def partial_update(self, request, id=None, message_id=None):
        """Change an internal note's text: its author, within the edit window."""
        message = self._message()
        serializer = MessageEditInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        message = services.message_edit(
            message=message, actor=request.user, body=serializer.validated_data.get("body")
        )
        return self._render(message)

    @extend_schema(parameters=_PATH_PARAMETERS, responses={204: None, **ERRORS(401, 403, 404, 409)})
    def destroy(self, request, id=None, message_id=None):
        """Delete an internal note: its author, within the edit window."""
        services.message_delete(message=self._message(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        parameters=_PATH_PARAMETERS,
        request=MessageRedactInputSerializer,
        responses={200: MessageSerializer, **ERRORS(400, 401, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def redact(self, request, id=None, message_id=None):
        """Staff: blank a message's text (and, with `attachments`, remove its files)."""
        message = self._message()
        serializer = MessageRedactInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        message = services.message_redact(
            message=message, actor=request.user, **serializer.validated_data
        )
        return self._render(message)

    @extend_schema(
        parameters=[
            *_PATH_PARAMETERS,
            OpenApiParameter("attachment_id", _ID_SCHEMA, OpenApiParameter.PATH),
        ],
        responses={
            (200, "*/*"): OpenApiResponse(
                OpenApiTypes.BINARY,
                description="The file, as an attachment, in the type detected on upload.",
            ),
            **ERRORS(401, 404),
        },
    )
    @action(detail=True, methods=["get"])
    def attachment(self, request, id=None, message_id=None, attachment_id=None):
        """Download an attachment of a message the caller may see."""
        ticket = self._ticket()
        attachment = selectors.attachment_get(
            ticket=ticket,
            user=request.user,
            message_id=message_id,
            attachment_id=attachment_id,
        )
        try:
            handle = default_storage.open(attachment.file.name, "rb")
        except FileNotFoundError:
            logger.error(
                "attachment %s: its file %s is missing", attachment.pk, attachment.file.name
            )
            raise NotFound("The file of this attachment is missing.") from None
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=attachment.name,
            content_type=attachment.content_type,
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        return response
