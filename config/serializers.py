"""Serializer building blocks shared by the apps."""

from django.contrib.auth import get_user_model
from rest_framework import serializers


class StrictInputSerializer(serializers.Serializer):
    """An input serializer that rejects fields it does not know.

    `ignored_fields` are accepted and dropped (read-only fields a client may echo back from a
    GET); `redirected_fields` maps a field to the message telling where it is changed instead.
    """

    ignored_fields: frozenset[str] = frozenset()
    redirected_fields: dict[str, str] = {}

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError(
                {"non_field_errors": ["Expected a JSON object."]}, code="invalid"
            )
        errors = {}
        for key in data:
            if key in self.fields:
                continue
            if key in self.redirected_fields:
                errors[key] = [self.redirected_fields[key]]
            elif key not in self.ignored_fields:
                errors[key] = ["Unknown field."]
        if errors:
            raise serializers.ValidationError(errors)
        return super().to_internal_value(data)


class UserSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = get_user_model()
        fields = ["id", "username"]
        read_only_fields = fields
