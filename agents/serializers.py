from rest_framework import serializers

from agents.models import GENERAL_DEPARTMENT_SLUG, Agent, Department
from config.api.serializers import (
    FieldsBuiltOnceMixin,
    RejectUnknownFieldsMixin,
    StrictInputSerializer,
)


class DepartmentSummarySerializer(FieldsBuiltOnceMixin, serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "slug", "name"]
        read_only_fields = fields


class DepartmentSerializer(RejectUnknownFieldsMixin, serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "slug", "name"]

    def validate_slug(self, value: str) -> str:
        instance = self.instance
        if (
            instance is not None
            and instance.slug == GENERAL_DEPARTMENT_SLUG
            and value != instance.slug
        ):
            raise serializers.ValidationError(
                "The General department keeps its slug: tickets no rule can place go there."
            )
        return value


class AgentSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(source="user_id", read_only=True)
    username = serializers.CharField(source="user.username", read_only=True)
    department = DepartmentSummarySerializer(read_only=True)
    open_tickets = serializers.IntegerField(source="open_load", read_only=True)

    class Meta:
        model = Agent
        fields = [
            "id",
            "username",
            "department",
            "is_available",
            "max_open_tickets",
            "open_tickets",
            "last_assigned_at",
        ]
        read_only_fields = fields


class AgentUpdateInputSerializer(StrictInputSerializer):
    is_available = serializers.BooleanField(required=False)
    max_open_tickets = serializers.IntegerField(
        min_value=0, max_value=100_000, required=False, allow_null=True
    )
    ignored_fields = frozenset({"id", "username", "department", "open_tickets", "last_assigned_at"})
