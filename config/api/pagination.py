"""Pagination shared by every list endpoint.

Page numbers for the first pages, keyset cursors for the rest: counting every matching row on
every page (what PageNumberPagination does) costs a scan of the whole table at 1,000,000
tickets, and OFFSET-ing deep into it reads every row it skips. So the page-number mode counts
at most COUNT_LIMIT + 1 rows (`count` is null beyond) and reaches the first COUNT_LIMIT
results; `?cursor=` (empty for the first page, then the `next` links) walks the whole list
in constant time per page, on lists ordered by creation time.
"""

import base64
import binascii
import json
import re
from datetime import UTC, datetime
from functools import cached_property

from django.core.paginator import Paginator
from django.db.models import Q
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.filters import OrderingFilter
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

_POSITIVE_INT = re.compile(r"[1-9][0-9]{0,17}")
MAX_PAGE = 10**18 - 1
COUNT_LIMIT = 10_000


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
    from the table instead of from the smallest index."""

    @cached_property
    def count(self) -> int:
        rows = self.object_list
        if hasattr(rows, "order_by"):
            rows = rows.order_by()
        return rows[: COUNT_LIMIT + 1].count()


class KeysetPagination:
    """Pages of a list ordered by creation time, addressed by the (created_at, id) of the row
    they follow: `WHERE (created_at, id) < (t, i) ORDER BY created_at DESC, id DESC LIMIT n+1`,
    one index range whatever the depth. The id breaks ties, so tickets created in the same
    instant (bulk imports) are neither skipped nor repeated; creation times never change, so a
    walk sees each ticket once however the list is edited meanwhile. The cursor is opaque to
    clients (the `next`/`previous` links); a bad one is a 400 naming `cursor`."""

    orderings = {"created_at": False, "-created_at": True}  # first ordering term -> descending

    def __init__(self, page_size: int, cursor_query_param: str) -> None:
        self.page_size = page_size
        self.cursor_query_param = cursor_query_param

    def paginate_queryset(self, queryset, request, view):
        self.request = request
        descending = self._descending(request, queryset, view)
        cursor = self._decode(request.query_params.get(self.cursor_query_param, ""))
        backwards = cursor is not None and cursor[2]
        scan_descending = descending != backwards
        fields = ("-created_at", "-pk") if scan_descending else ("created_at", "pk")
        rows = queryset.order_by(*fields)
        if cursor is not None:
            after, bound = ("lt", "lte") if scan_descending else ("gt", "gte")
            # The inclusive bound repeats what the OR implies: PostgreSQL starts the index scan
            # there instead of reading (and filtering out) every row before the cursor, so a
            # deep page costs what the first one does.
            rows = rows.filter(**{f"created_at__{bound}": cursor[0]}).filter(
                Q(**{f"created_at__{after}": cursor[0]})
                | Q(created_at=cursor[0], **{f"pk__{after}": cursor[1]})
            )
        page = list(rows[: self.page_size + 1])
        more = len(page) > self.page_size
        page = page[: self.page_size]
        if backwards:
            page.reverse()
        # Going forward, what follows exists when the page overflowed and what precedes when
        # we came from somewhere; going back, the other way round.
        has_next, has_previous = (True, more) if backwards else (more, cursor is not None)
        self.next_row = page[-1] if page and has_next else None
        self.previous_row = page[0] if page and has_previous else None
        return page

    def get_paginated_response(self, data):
        return Response(
            {
                "next": self._link(self.next_row, backwards=False),
                "previous": self._link(self.previous_row, backwards=True),
                "results": data,
            }
        )

    def _descending(self, request, queryset, view) -> bool:
        ordering = None
        for backend in getattr(view, "filter_backends", ()):
            if issubclass(backend, OrderingFilter):
                ordering = backend().get_ordering(request, queryset, view)
        first = (ordering or getattr(view, "ordering", None) or [None])[0]
        if first not in self.orderings:
            raise ValidationError({"cursor": ["Cursor pages need ordering by created_at."]})
        return self.orderings[first]

    def _link(self, row, *, backwards: bool) -> str | None:
        if row is None:
            return None
        token = self.cursor_encode(row.created_at, row.pk, backwards=backwards)
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.cursor_query_param, token)

    @staticmethod
    def cursor_encode(created_at: datetime, pk: int, *, backwards: bool = False) -> str:
        """The cursor of the page after (or, backwards, before) the ticket (created_at, pk)."""
        raw = json.dumps([created_at.isoformat(), pk, backwards]).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @staticmethod
    def _decode(token: str) -> tuple[datetime, int, bool] | None:
        if not token:
            return None  # `?cursor=`: the first page
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            created_at, pk, backwards = json.loads(raw)
            created_at = datetime.fromisoformat(created_at)
            if (
                created_at.tzinfo is None
                or type(pk) is not int
                or not 0 < pk < 2**63
                or type(backwards) is not bool
            ):
                raise ValueError
            # In UTC, as the database compares it: PostgreSQL refuses offsets beyond ±15:59
            # that fromisoformat accepts, and at the ends of the calendar an offset pushes the
            # instant out of the years datetime holds (0001-01-01T00:00+05:00: OverflowError).
            created_at = created_at.astimezone(UTC)
        except (ValueError, TypeError, OverflowError, binascii.Error, UnicodeDecodeError):
            raise ValidationError({"cursor": ["Invalid cursor."]}) from None
        return created_at, pk, backwards


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
        # Checked whichever mode answers: a malformed `page` is a 400 even beside a cursor.
        _positive_int(request, self.page_query_param, maximum=MAX_PAGE)
        if self._cursor_mode(request, view):
            self.keyset = KeysetPagination(self.get_page_size(request), self.cursor_query_param)
            return self.keyset.paginate_queryset(queryset, request, view)
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

    def get_next_link(self):
        """Past the counted rows there may be more: the page after the last numbered one is
        linked anyway, and answers the 404 that points to cursors, so a client following
        `next` learns where the numbered pages end instead of silently stopping there."""
        link = super().get_next_link()
        if link is None and self.page.paginator.count > COUNT_LIMIT:
            url = self.request.build_absolute_uri()
            return replace_query_param(url, self.page_query_param, self.page.number + 1)
        return link

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
                    "`next`/`previous` links (opaque). Ordering by created_at only.",
                    "schema": {"type": "string"},
                }
            )
        return parameters
