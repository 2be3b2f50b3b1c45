"""`?ordering=` for every list: DRF's OrderingFilter, except that a value it cannot order by
is a 400 naming the parameter instead of being silently ignored, and the schema says which
values it takes."""

import re

from django.core.exceptions import FieldDoesNotExist
from django.db.models import F
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter


class StrictOrderingFilter(OrderingFilter):
    """Comma-separated fields of the view's `ordering_fields`, each optionally prefixed with
    `-` (descending), exactly as written (no spaces). Absent or empty: the view's default."""

    def get_ordering(self, request, queryset, view):
        value = request.query_params.get(self.ordering_param)
        if not value:
            return self.get_default_ordering(view)
        terms = value.split(",")
        valid = [
            name for name, _label in self.get_valid_fields(queryset, view, {"request": request})
        ]
        unknown = [term for term in terms if term.removeprefix("-") not in valid]
        if unknown:
            choices = ", ".join(valid)
            raise ValidationError(
                {
                    self.ordering_param: [
                        f"Cannot order by {', '.join(repr(t) for t in unknown)}. "
                        f"Use one or more of {choices} (comma-separated, prefix - for "
                        "descending)."
                    ]
                }
            )
        return terms

    def filter_queryset(self, request, queryset, view):
        ordering = self.get_ordering(request, queryset, view)
        if not ordering:
            return queryset
        return queryset.order_by(*(_nulls_last(queryset.model, term) for term in ordering))

    def get_template_context(self, request, queryset, view):
        # The browsable API's filter form: a bad value is reported by the response itself.
        try:
            return super().get_template_context(request, queryset, view)
        except ValidationError:
            return {
                "request": request,
                "current": None,
                "param": self.ordering_param,
                "options": [],
            }

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        fields = getattr(view, "ordering_fields", self.ordering_fields)
        if not isinstance(fields, list | tuple) or not fields:
            return parameters
        names = [f if isinstance(f, str) else f[0] for f in fields]
        one = "-?(" + "|".join(re.escape(name) for name in names) + ")"
        for parameter in parameters:
            parameter["description"] = (
                f"Order by {', '.join(names)}; prefix - for descending, several "
                "comma-separated. Anything else is a 400."
            )
            parameter["schema"]["pattern"] = f"^({one}(,{one})*)?$"
        return parameters


def _nulls_last(model, term: str):
    """A nullable column's missing values last in both directions, on PostgreSQL (where NULL
    sorts as the largest value) and SQLite (the smallest) alike: a queue by `resolution_due`
    lists the tickets without one after those with one. Other columns stay plain names, so
    their indexes serve the ordering as before."""
    name = term.removeprefix("-")
    try:
        nullable = "__" not in name and model._meta.get_field(name).null
    except FieldDoesNotExist:
        nullable = False
    if not nullable:
        return term
    return F(name).desc(nulls_last=True) if term.startswith("-") else F(name).asc(nulls_last=True)
