"""Admin for SLA policies (imported by tickets/admin.py, which Django's admin discovers)."""

from django.contrib import admin

from tickets.models import SlaPolicy


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = ["name", "department", "is_default", "calendar", "at_risk_share", "escalation"]
    list_filter = ["is_default", "escalation"]
    list_select_related = ["department", "calendar"]
    search_fields = ["name"]
    readonly_fields = ["updated_at"]
