"""Pagination shared by every list endpoint."""

from rest_framework.pagination import PageNumberPagination


class StandardPagination(PageNumberPagination):
    """`?page=N&page_size=M`, with the page size capped so no client can ask for everything."""

    page_size_query_param = "page_size"
    max_page_size = 100
