"""Input serializers validate what a client sends; output serializers render tickets."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from agents.models import Department
from agents.serializers import DepartmentSummarySerializer
from config.api.serializers import (
    FieldsBuiltOnceMixin,
    RejectUnknownFieldsMixin,
    StrictInputSerializer,
    UserSummarySerializer,
)
from tickets.models import Category, Priority, Ticket, TicketEvent, TicketStatus
from tickets.sla.serializers import TicketSlaSerializer, ticket_sla_data

PRIORITY_NAMES = [p.name for p in Priority]


@extend_schema_field({"type": "string", "enum": PRIORITY_NAMES})
class PriorityField(serializers.ChoiceField):
    """Priorities travel as names (LOW ... URGENT) and are stored as ordered numbers."""

    def __init__(self, **kwargs):
        super().__init__(choices=PRIORITY_NAMES, **kwargs)

    def to_internal_value(self, data):
        return Priority[super().to_internal_value(data)].value

    def to_representation(self, value):
        return Priority(value).name


class CategorySummarySerializer(FieldsBuiltOnceMixin, serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "slug", "name"]
        read_only_fields = fields


class TicketSerializer(FieldsBuiltOnceMixin, serializers.ModelSerializer):
    priority = PriorityField(read_only=True)
    category = CategorySummarySerializer(read_only=True, allow_null=True)
    department = DepartmentSummarySerializer(read_only=True, allow_null=True)
    created_by = UserSummarySerializer(read_only=True, allow_null=True)
    assigned_to = UserSummarySerializer(read_only=True, allow_null=True)
    sla = serializers.SerializerMethodField(help_text="Service levels; null: no policy applies.")

    class Meta:
        model = Ticket
        fields = [
            "id",
            "title",
            "description",
            "status",
            "priority",
            "category",
            "department",
            "created_by",
            "assigned_to",
            "created_at",
            "updated_at",
            "resolved_at",
            "first_response_at",
            "classified_by",
            "confidence",
            "model_version",
            "sla",
        ]
        read_only_fields = fields

    @extend_schema_field(TicketSlaSerializer(allow_null=True))
    def get_sla(self, ticket) -> dict | None:
        return ticket_sla_data(ticket)


# Fields a client may echo back from a GET: accepted and ignored, never written.
_READ_ONLY_TICKET_FIELDS = frozenset(TicketSerializer.Meta.fields) - {
    "title",
    "description",
    "priority",
    "category",
    "status",
    "assigned_to",
}
_REDIRECTED = {
    "status": "Change the status with POST /api/tickets/{id}/transition/.",
    "assigned_to": "Assign with POST /api/tickets/{id}/assign/ or /reassign/.",
}


class TicketCreateInputSerializer(StrictInputSerializer):
    title = serializers.CharField(max_length=200, required=False)
    subject = serializers.CharField(
        max_length=200, required=False, write_only=True, help_text="Alias of `title`."
    )
    description = serializers.CharField(max_length=20_000)
    priority = PriorityField(required=False, help_text="Defaults to MEDIUM.")
    category = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Category.objects.select_related("department"),
        required=False,
        help_text="Staff and agents only: the category's slug, set by hand "
        "(`classified_by=manual`) and routed to its department; a requester's is refused. "
        "Left out: the ticket is classified from its text.",
    )

    redirected_fields = _REDIRECTED
    ignored_fields = _READ_ONLY_TICKET_FIELDS
    schema_any_of_required = (("title",), ("subject",))

    def validate(self, attrs):
        subject = attrs.pop("subject", None)
        if "title" not in attrs:
            if subject is None:
                raise serializers.ValidationError({"title": ["This field is required."]})
            attrs["title"] = subject
        attrs.setdefault("priority", Priority.MEDIUM)
        return attrs


def _reference_id(data, what: str) -> int | None:
    """The `id` of an object sent in place of a reference (the shape a GET shows); None
    when the object has none."""
    if "id" not in data:
        return None
    pk = data["id"]
    if isinstance(pk, bool) or not isinstance(pk, int) or not 1 <= pk < 2**63:
        raise serializers.ValidationError(f"The {what}'s id must be a positive integer.")
    return pk


@extend_schema_field(
    {
        "oneOf": [
            {"type": "string", "description": "The category's slug."},
            {
                "type": "object",
                "description": "The category as a GET shows it: read by its `id` (else its "
                "`slug`); other keys are ignored.",
                "properties": {"id": {"type": "integer"}, "slug": {"type": "string"}},
            },
        ],
        "nullable": True,
    }
)
class CategoryReferenceField(serializers.Field):
    """A category by slug, or the category object of a GET (by its id, else its slug)."""

    default_error_messages = {
        "invalid": 'Expected a category slug or object, such as "billing" or {{"id": 1}}.',
        "unknown": "No such category: {value}.",
    }

    def to_internal_value(self, data) -> Category:
        if isinstance(data, dict):
            pk = _reference_id(data, "category")
            if pk is not None:
                return self._get(value=pk, pk=pk)
            data = data.get("slug")
        if not isinstance(data, str) or not data or len(data) > 50 or "\x00" in data:
            self.fail("invalid")
        return self._get(value=data, slug=data)

    def _get(self, *, value, **lookup) -> Category:
        category = Category.objects.select_related("department").filter(**lookup).first()
        if category is None:
            self.fail("unknown", value=str(value)[:50])
        return category

    def to_representation(self, value):
        return value.slug


@extend_schema_field(
    {
        "oneOf": [
            {"type": "integer", "description": "The agent's (user) id."},
            {
                "type": "object",
                "description": "The assignee as a GET shows it: read by its `id`; other keys "
                "are ignored.",
                "properties": {"id": {"type": "integer"}},
                "required": ["id"],
            },
        ],
        "nullable": True,
    }
)
class AssigneeReferenceField(serializers.Field):
    """An agent's user id, or the assignee object of a GET ({"id": ..., "username": ...})."""

    default_error_messages = {
        "invalid": 'Expected an agent id or object, such as 7 or {{"id": 7}}.',
    }

    def to_internal_value(self, data) -> int:
        if isinstance(data, dict):
            pk = _reference_id(data, "assignee")
            if pk is None:
                self.fail("invalid")
            return pk
        if isinstance(data, bool) or not isinstance(data, int) or not 1 <= data < 2**63:
            self.fail("invalid")
        return data

    def to_representation(self, value):
        return value


class TicketUpdateInputSerializer(StrictInputSerializer):
    """PUT needs title and description; every other field may be left out. A value equal to
    the current one is no change. Read-only fields echoed from a GET are ignored."""

    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=20_000)
    priority = PriorityField(required=False)
    category = CategoryReferenceField(required=False, allow_null=True)
    status = serializers.ChoiceField(
        choices=TicketStatus.choices,
        required=False,
        help_text="As POST /transition/: a move the workflow forbids is a 409.",
    )
    assigned_to = AssigneeReferenceField(
        required=False,
        allow_null=True,
        help_text="As POST /assign/ (an agent's id, or the object a GET shows); null unassigns.",
    )

    ignored_fields = _READ_ONLY_TICKET_FIELDS


class TicketAssignInputSerializer(StrictInputSerializer):
    assigned_to = serializers.IntegerField(min_value=1, max_value=2**63 - 1)


class TicketReassignInputSerializer(StrictInputSerializer):
    agent = serializers.IntegerField(
        min_value=1,
        max_value=2**63 - 1,
        required=False,
        allow_null=True,
        help_text="Agent (user) id. Leave out to route again, excluding the current agent.",
    )


class TicketTransitionInputSerializer(StrictInputSerializer):
    status = serializers.ChoiceField(choices=TicketStatus.choices)


class TicketEventSerializer(serializers.ModelSerializer):
    actor = UserSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = TicketEvent
        fields = ["id", "kind", "actor", "payload", "created_at"]
        read_only_fields = fields


class CategorySerializer(RejectUnknownFieldsMixin, serializers.ModelSerializer):
    department = serializers.SlugRelatedField(slug_field="slug", queryset=Department.objects.all())
    keywords = serializers.ListField(
        child=serializers.CharField(max_length=100), max_length=500, required=False
    )

    class Meta:
        model = Category
        fields = ["id", "slug", "name", "department", "keywords"]
