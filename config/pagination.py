"""Pagination shared by every list endpoint.

Page numbers for the first pages, keyset cursors for the rest: counting every matching row on
every page (what PageNumberPagination does) costs a scan of the whole table at 1,000,000
tickets, and OFFSET-ing deep into it reads every row it skips. So the page-number mode counts
at most COUNT_LIMIT + 1 rows (`count` is null beyond) and reaches the first COUNT_LIMIT
results; `?cursor=` (empty for the first page, then the `next` links) walks the whole list
in constant time per page, on lists ordered by creation or update time.
"""

import re
from functools import cached_property

from django.core.paginator import Paginator
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination, PageNumberPagination

_POSITIVE_INT = re.compile(r"[1-9][0-9]{0,17}")
MAX_PAGE = 10**18 - 1
COUNT_LIMIT = 10_000
# Cursors mark a position by the first ordering field: it must be (nearly) unique.
CURSOR_ORDERINGS = {"created_at", "-created_at", "updated_at", "-updated_at"}


def _positive_int(request, name: str, *, maximum: int | None = None) -> int | None:
    """The query parameter as an integer in [1, maximum]; None when absent; else a 400."""
    raw = request.query_params.get(name)
    if raw is None:
        return None
    if not _POSITIVE_INT.fullmatch(raw) or (maximum is not None and int(raw) > maximum):
        bound = f" between 1 and {maximum}" if maximum is not None else " of at least 1"
        raise ValidationError({name: [f"Expected a whole number{bound}."]})
    return int(raw)


class CappedCountPaginator(Paginator):
    """Counts at most COUNT_LIMIT + 1 rows: `SELECT COUNT(*) FROM (... LIMIT 10001)`.

    Without the list's ordering, which would make PostgreSQL read those rows in index order
    from the table (40 ms at 1,000,000 tickets) instead of from the smallest index (1 ms)."""

    @cached_property
    def count(self) -> int:
        rows = self.object_list
        if hasattr(rows, "order_by"):
            rows = rows.order_by()
        return rows[: COUNT_LIMIT + 1].count()


class KeysetPagination(CursorPagination):
    """DRF's cursor pagination with the page size rules of StandardPagination; a bad cursor
    or an ordering a cursor cannot follow is a 400 naming `cursor`."""

    page_size_query_param = "page_size"
    max_page_size = 100

    def __init__(self, page_size: int) -> None:
        self.page_size = page_size

    def get_page_size(self, request) -> int:
        return self.page_size

    def get_ordering(self, request, queryset, view):
        ordering = super().get_ordering(request, queryset, view)
        if ordering[0] not in CURSOR_ORDERINGS:
            raise ValidationError(
                {"cursor": ["Cursor pages need ordering by created_at or updated_at."]}
            )
        return ordering

    def decode_cursor(self, request):
        if not request.query_params.get(self.cursor_query_param):
            return None  # `?cursor=`: the first page
        try:
            return super().decode_cursor(request)
        except NotFound:
            raise ValidationError({"cursor": ["Invalid cursor."]}) from None


class StandardPagination(PageNumberPagination):
    """`?page=N&page_size=M`, or `?cursor=...&page_size=M` on lists with a default ordering.

    A page size above the maximum, or a page or page size that is not a positive whole number,
    is a 400 naming the parameter; a page past the last (or past the first COUNT_LIMIT
    results) is a 404."""

    page_size_query_param = "page_size"
    max_page_size = 100
    last_page_strings = ()
    django_paginator_class = CappedCountPaginator
    cursor_query_param = "cursor"

    def get_page_size(self, request) -> int:
        size = _positive_int(request, self.page_size_query_param, maximum=self.max_page_size)
        return size if size is not None else self.page_size

    def _cursor_mode(self, request, view) -> bool:
        return self.cursor_query_param in request.query_params and bool(
            getattr(view, "ordering", None)
        )

    def paginate_queryset(self, queryset, request, view=None):
        self.keyset = None
        if self._cursor_mode(request, view):
            self.keyset = KeysetPagination(self.get_page_size(request))
            return self.keyset.paginate_queryset(queryset, request, view)
        _positive_int(request, self.page_query_param, maximum=MAX_PAGE)
        try:
            return super().paginate_queryset(queryset, request, view)
        except NotFound:
            if self._counted_beyond_limit(queryset):
                raise NotFound(
                    f"Invalid page. Page numbers reach the first {COUNT_LIMIT:,} results; "
                    "follow cursors (?cursor=) beyond."
                ) from None
            raise

    @staticmethod
    def _counted_beyond_limit(queryset) -> bool:
        return CappedCountPaginator(queryset, 1).count > COUNT_LIMIT

    def get_paginated_response(self, data):
        if self.keyset is not None:
            return self.keyset.get_paginated_response(data)
        response = super().get_paginated_response(data)
        if response.data["count"] > COUNT_LIMIT:
            response.data["count"] = None
        return response

    def get_paginated_response_schema(self, schema):
        paged = super().get_paginated_response_schema(schema)
        paged["required"] = ["results"]
        paged["properties"]["count"].update(
            nullable=True,
            description=f"Matching results, or null beyond {COUNT_LIMIT:,}; "
            "absent on cursor pages.",
        )
        return paged

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"].update(minimum=1, maximum=MAX_PAGE)
            elif parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
                parameter["description"] = f"Results per page (1-{self.max_page_size})."
        if getattr(view, "ordering", None):
            parameters.append(
                {
                    "name": self.cursor_query_param,
                    "required": False,
                    "in": "query",
                    "description": "Keyset pagination: empty for the first page, then the "
                    "`next`/`previous` links. Ordering by created_at or updated_at only.",
                    "schema": {"type": "string"},
                }
            )
        return parameters
