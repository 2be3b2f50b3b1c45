"""The HTTP door: POST /api/mail/inbound/ with a raw RFC 822 message as the body, for teams
whose mail provider forwards inbound mail by webhook. Authenticated by the shared secret
MAIL_INBOUND_SECRET in the X-Mail-Inbound-Secret header (closed while it is unset).

Left out of the OpenAPI schema on purpose: it is a machine-to-machine door for a mail
provider, not part of the API that users and the dashboard call with their tokens; its body
is raw mail, not JSON. Its refusals are JSON all the same (tickets/mail/tests/)."""

import hmac

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed, NotAuthenticated, PermissionDenied
from rest_framework.parsers import BaseParser
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from tickets.mail.services import mail_receive, mail_refuse_oversize
from tickets.models import InboundDoor, InboundOutcome

SECRET_HEADER = "X-Mail-Inbound-Secret"  # noqa: S105 - a header name
_MAIL_DOOR = "mail-inbound-secret"  # noqa: S105 - a marker, not the secret


class MailInboundSecretAuthentication(BaseAuthentication):
    """The shared secret of the HTTP door, compared in constant time."""

    def authenticate(self, request):
        given = request.headers.get(SECRET_HEADER)
        expected = settings.MAIL_INBOUND_SECRET
        if given is None or not expected:
            return None
        if not hmac.compare_digest(given.encode(), expected.encode()):
            raise AuthenticationFailed(f"Wrong {SECRET_HEADER}.")
        return (None, _MAIL_DOOR)

    def authenticate_header(self, request):
        return SECRET_HEADER


class HasMailInboundSecret(BasePermission):
    def has_permission(self, request, view):
        if not settings.MAIL_INBOUND_SECRET:
            raise PermissionDenied(
                "Inbound mail over HTTP is switched off: MAIL_INBOUND_SECRET is not set."
            )
        if request.auth != _MAIL_DOOR:
            raise NotAuthenticated(f"Missing {SECRET_HEADER}.")
        return True


class RawMailParser(BaseParser):
    """Any body: the view reads the bytes itself (bounded by MAIL_INBOUND_MAX_BYTES)."""

    media_type = "*/*"

    def parse(self, stream, media_type=None, parser_context=None):
        return {}


class MailInboundView(APIView):
    authentication_classes = [MailInboundSecretAuthentication]
    permission_classes = [HasMailInboundSecret]
    parser_classes = [RawMailParser]

    @extend_schema(exclude=True)
    def post(self, request):
        """Receive one message; 202 with what it became (a ticket, a reply, or ignored)."""
        limit = settings.MAIL_INBOUND_MAX_BYTES
        try:
            declared = int(request.headers.get("Content-Length") or 0)
        except ValueError:
            declared = 0
        raw = b""
        if declared <= limit:
            # Never more than the limit in memory: one byte more tells it was too big.
            stream = request.stream
            raw = stream.read(limit + 1) if stream is not None else b""
        if declared > limit or len(raw) > limit:
            mail_refuse_oversize(door=InboundDoor.HTTP, size=max(declared, len(raw)))
            return Response(
                {"detail": f"The message is larger than the {limit} bytes accepted."},
                status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            )
        record = mail_receive(raw=raw, door=InboundDoor.HTTP)
        if record.outcome == InboundOutcome.REFUSED:
            return Response({"message": [record.reason]}, status=status.HTTP_400_BAD_REQUEST)
        return Response(
            {
                "outcome": record.outcome,
                "ticket": record.ticket_id,
                "message": record.ticket_message_id,
                "detail": record.reason,
            },
            status=status.HTTP_202_ACCEPTED,
        )
