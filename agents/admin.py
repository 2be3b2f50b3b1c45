from django.contrib import admin

from agents import selectors
from agents.models import Agent, Department


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Agent)
class AgentAdmin(admin.ModelAdmin):
    list_display = [
        "user",
        "department",
        "is_available",
        "max_open_tickets",
        "open_load",
        "last_assigned_at",
    ]
    list_filter = ["department", "is_available"]
    list_editable = ["is_available", "max_open_tickets"]
    search_fields = ["user__username", "user__email"]
    autocomplete_fields = ["user"]
    readonly_fields = ["last_assigned_at"]

    def get_queryset(self, request):
        return selectors.agent_list()

    @admin.display(description="Open tickets", ordering="open_load")
    def open_load(self, agent: Agent) -> int:
        return agent.open_load
