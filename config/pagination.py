"""Pagination shared by every list endpoint."""

import re

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination

_POSITIVE_INT = re.compile(r"[1-9][0-9]{0,17}")
MAX_PAGE = 10**18 - 1


def _positive_int(request, name: str, *, maximum: int | None = None) -> int | None:
    """The query parameter as an integer in [1, maximum]; None when absent; else a 400."""
    raw = request.query_params.get(name)
    if raw is None:
        return None
    if not _POSITIVE_INT.fullmatch(raw) or (maximum is not None and int(raw) > maximum):
        bound = f" between 1 and {maximum}" if maximum is not None else " of at least 1"
        raise ValidationError({name: [f"Expected a whole number{bound}."]})
    return int(raw)


class StandardPagination(PageNumberPagination):
    """`?page=N&page_size=M`. A page size above the maximum, or a page or page size that is not
    a positive whole number, is a 400 naming the parameter; a page past the last is a 404."""

    page_size_query_param = "page_size"
    max_page_size = 100
    last_page_strings = ()

    def get_page_size(self, request) -> int:
        size = _positive_int(request, self.page_size_query_param, maximum=self.max_page_size)
        return size if size is not None else self.page_size

    def paginate_queryset(self, queryset, request, view=None):
        _positive_int(request, self.page_query_param, maximum=MAX_PAGE)
        return super().paginate_queryset(queryset, request, view)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"].update(minimum=1, maximum=MAX_PAGE)
            elif parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
                parameter["description"] = f"Results per page (1-{self.max_page_size})."
        return parameters
