"""Serializer building blocks shared by the apps."""

import copy
from collections.abc import Mapping

from django.contrib.auth import get_user_model
from django.http import QueryDict
from rest_framework import serializers


def json_type_error(field, value) -> str | None:
    """Why `value`, taken from a JSON body, has the wrong JSON type for `field`, or None.

    DRF coerces (`"title": 42` becomes "42", `"is_available": "yes"` becomes True); a JSON
    client that sends the wrong type has a bug worth a 400, and the schema promises the type.
    """
    if _holds_nul(value):
        # CharField refuses them itself, but a slug or a choice would reach the database,
        # which PostgreSQL answers with an error instead of "no such row".
        return "Null characters are not allowed."
    if value is None or isinstance(field, serializers.ChoiceField):
        return None  # nullability and choices are DRF's own checks
    if isinstance(field, serializers.BooleanField):
        return None if isinstance(value, bool) else "Expected true or false."
    if isinstance(field, serializers.IntegerField | serializers.PrimaryKeyRelatedField):
        whole = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
        return None if whole and not isinstance(value, bool) else "Expected an integer."
    if isinstance(field, serializers.FloatField | serializers.DecimalField):
        number = isinstance(value, int | float) and not isinstance(value, bool)
        return None if number else "Expected a number."
    if isinstance(field, serializers.CharField | serializers.SlugRelatedField):
        return None if isinstance(value, str) else "Expected a string."
    if isinstance(field, serializers.ListField):
        if not isinstance(value, list):
            return "Expected a list."
        for item in value:
            reason = json_type_error(field.child, item)
            if reason:
                return f"Each item: {reason[0].lower()}{reason[1:]}"
    return None


def _holds_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    return isinstance(value, list) and any(_holds_nul(item) for item in value)


class RejectUnknownFieldsMixin:
    """Refuse (400) the fields a serializer does not know, so a typo is never silently dropped,
    and, in a JSON body, values of the wrong JSON type (see json_type_error).

    `ignored_fields` are accepted and dropped (read-only fields a client may echo back from a
    GET); `redirected_fields` maps a field to the message telling where it is changed instead.
    The OpenAPI schema says so with `additionalProperties: false` (config/api/openapi.py).
    """

    ignored_fields: frozenset[str] = frozenset()
    redirected_fields: dict[str, str] = {}

    def to_internal_value(self, data):
        if not isinstance(data, Mapping):
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
        if not isinstance(data, QueryDict):  # form bodies carry nothing but strings
            for key, value in data.items():
                field = self.fields.get(key)
                reason = None if field is None or field.read_only else json_type_error(field, value)
                if reason:
                    errors[key] = [reason]
        if errors:
            raise serializers.ValidationError(errors)
        return super().to_internal_value(data)


class StrictInputSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    """An input serializer that rejects fields it does not know."""


class FieldsBuiltOnceMixin:
    """For read-only output ModelSerializers: build the fields from the model once per class.

    ModelSerializer introspects the model to build its fields for every instance, and each
    nested serializer again: rendering one ticket spent half its time there. The built fields
    are deep-copied for each instance (as DRF copies declared fields), so no two instances
    share a field. Only for serializers whose fields depend on nothing but their Meta."""

    def get_fields(self):
        cls = type(self)
        built = cls.__dict__.get("_fields_built_once")
        if built is None:
            built = super().get_fields()
            cls._fields_built_once = built
        return copy.deepcopy(built)


class UserSummarySerializer(FieldsBuiltOnceMixin, serializers.ModelSerializer):
    class Meta:
        model = get_user_model()
        fields = ["id", "username"]
        read_only_fields = fields
