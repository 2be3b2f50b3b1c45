"""The conversation's input (strict, bounded by settings read when validating) and output."""

from django.conf import settings
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.api.serializers import (
    FieldsBuiltOnceMixin,
    StrictInputSerializer,
    UserSummarySerializer,
)
from tickets.conversation.attachments import AttachmentRefused, attachment_check
from tickets.models import MessageAttachment, TicketMessage, TicketStatus


def _body_field() -> serializers.CharField:
    # Built per serializer instance: the bound is a setting that tests (and the schema) read.
    return serializers.CharField(
        max_length=settings.CONVERSATION_BODY_MAX_CHARS,
        help_text="Plain text (no markup is rendered), "
        f"at most {settings.CONVERSATION_BODY_MAX_CHARS} characters.",
    )


class MessageCreateInputSerializer(StrictInputSerializer):
    """A JSON message: `{"body": "...", "internal": false, "status": "PENDING"}`."""

    internal = serializers.BooleanField(
        default=False,
        help_text="An internal note, seen by agents and staff only (requesters: false).",
    )
    status = serializers.ChoiceField(
        choices=TicketStatus.choices,
        required=False,
        help_text="Agents and staff, with a public reply: move the ticket through the "
        "workflow, e.g. PENDING (waiting on the requester).",
    )

    def get_fields(self):
        return {"body": _body_field(), **super().get_fields()}


class MessageCreateMultipartSerializer(MessageCreateInputSerializer):
    """The same as multipart/form-data, with files in `attachments` (repeat the part)."""

    attachments = serializers.ListField(
        child=serializers.FileField(allow_empty_file=True, use_url=False),
        required=False,
        help_text="Files, each checked on its content against the accepted types and size.",
    )

    def validate_attachments(self, files):
        limit = settings.CONVERSATION_ATTACHMENT_MAX_COUNT
        if len(files) > limit:
            raise serializers.ValidationError(f"At most {limit} attachments per message.")
        checked, errors = [], []
        for upload in files:
            try:
                checked.append(attachment_check(upload))
            except AttachmentRefused as refusal:
                errors.append(str(refusal))
        if errors:
            raise serializers.ValidationError(errors)
        return checked


class MessageEditInputSerializer(StrictInputSerializer):
    """A note's new text (without `body`, nothing changes)."""

    def get_fields(self):
        return {"body": _body_field(), **super().get_fields()}


class MessageRedactInputSerializer(StrictInputSerializer):
    """Redaction always blanks the text; the files go too on request."""

    attachments = serializers.BooleanField(
        default=False, help_text="Also remove the message's attachments."
    )


class MessageAttachmentSerializer(FieldsBuiltOnceMixin, serializers.ModelSerializer):
    """A file of a message: its name, the type detected from its content, its size."""

    url = serializers.SerializerMethodField(help_text="Download it here (with your token).")

    class Meta:
        model = MessageAttachment
        fields = ["id", "name", "content_type", "size", "url"]
        read_only_fields = fields

    @extend_schema_field({"type": "string", "format": "uri"})
    def get_url(self, attachment) -> str:
        message = attachment.message
        path = reverse(
            "ticket-message-attachment",
            kwargs={
                "id": message.ticket_id,
                "message_id": message.pk,
                "attachment_id": attachment.pk,
            },
        )
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class MessageSerializer(FieldsBuiltOnceMixin, serializers.ModelSerializer):
    """A message of a ticket's conversation; a redacted one has an empty body."""

    author = UserSummarySerializer(read_only=True, allow_null=True)
    redacted_by = UserSummarySerializer(read_only=True, allow_null=True)
    attachments = MessageAttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = TicketMessage
        fields = [
            "id",
            "ticket",
            "author",
            "author_role",
            "internal",
            "body",
            "attachments",
            "created_at",
            "edited_at",
            "redacted_at",
            "redacted_by",
        ]
        read_only_fields = fields
