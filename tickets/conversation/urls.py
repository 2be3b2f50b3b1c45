"""Routes of the conversation, under /api/tickets/ (config/urls.py)."""

from django.urls import re_path

from tickets.conversation.views import TicketMessageViewSet

# Ids as the ticket routes take them: at most 18 digits, so none overflows a bigint.
_TICKET = r"^(?P<id>[0-9]{1,18})/messages/"
_MESSAGE = _TICKET + r"(?P<message_id>[0-9]{1,18})/"

urlpatterns = [
    re_path(
        _TICKET + "$",
        TicketMessageViewSet.as_view({"get": "list", "post": "create"}),
        name="ticket-message-list",
    ),
    re_path(
        _MESSAGE + "$",
        TicketMessageViewSet.as_view(
            {"get": "retrieve", "patch": "partial_update", "delete": "destroy"}
        ),
        name="ticket-message-detail",
    ),
    re_path(
        _MESSAGE + "redact/$",
        TicketMessageViewSet.as_view({"post": "redact"}),
        name="ticket-message-redact",
    ),
    re_path(
        _MESSAGE + r"attachments/(?P<attachment_id>[0-9]{1,18})/$",
        TicketMessageViewSet.as_view({"get": "attachment"}),
        name="ticket-message-attachment",
    ),
]
