"""Permissions that depend on nothing but the user: staff, and read-any/write-staff."""

from rest_framework.permissions import SAFE_METHODS, BasePermission


class IsStaff(BasePermission):
    message = "Only staff may do this."

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.is_staff)


class ReadAnyWriteStaff(BasePermission):
    """Any authenticated user may read; only staff may write."""

    message = "Only staff may change this."
    schema_allows_reads = True  # config.api.openapi.ApiAutoSchema: no 403 documented on reads

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        return request.method in SAFE_METHODS or request.user.is_staff
