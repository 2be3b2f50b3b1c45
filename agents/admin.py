from django.contrib import admin

from agents import selectors, services
from agents.models import Agent, Calendar, Department


@admin.register(Calendar)
class CalendarAdmin(admin.ModelAdmin):
    """Working hours; the fields are checked as the API checks them (Calendar.clean)."""

    list_display = ["name", "time_zone", "holiday_country", "holiday_subdivision"]
    search_fields = ["name"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "calendar"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Agent)
class AgentAdmin(admin.ModelAdmin):
    """Agents. A move to another department and retirement reach the agent's tickets, so they
    are made over the API (PATCH/DELETE /api/agents/{id}/, docs/agents.md), which routes their
    OPEN tickets again; here the department is set only when the agent is added."""

    list_display = [
        "user",
        "department",
        "is_available",
        "max_open_tickets",
        "open_load",
        "away_until",
        "calendar",
        "last_assigned_at",
        "retired_at",
    ]
    list_filter = ["department", "is_available", ("retired_at", admin.EmptyFieldListFilter)]
    list_editable = ["is_available", "max_open_tickets"]
    search_fields = ["user__username", "user__email"]
    autocomplete_fields = ["user"]
    readonly_fields = ["last_assigned_at", "open_load", "retired_at"]
    actions = ["make_unavailable", "make_available"]

    def get_queryset(self, request):
        return selectors.agent_list()

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return self.readonly_fields
        return [*self.readonly_fields, "user", "department"]

    @admin.action(description="Mark selected agents unavailable")
    def make_unavailable(self, request, queryset) -> None:
        for agent in queryset.filter(retired_at__isnull=True):
            services.agent_update(agent=agent, actor=request.user, is_available=False)

    @admin.action(description="Mark selected agents available")
    def make_available(self, request, queryset) -> None:
        for agent in queryset.filter(retired_at__isnull=True):
            services.agent_update(agent=agent, actor=request.user, is_available=True)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # retire over the API: the row stays for history

    def save_model(self, request, obj: Agent, form, change: bool) -> None:
        if not change:
            obj.save()
            return
        services.agent_update(
            agent=Agent.objects.get(pk=obj.pk),
            actor=request.user,
            is_available=obj.is_available,
            max_open_tickets=obj.max_open_tickets,
            away_until=obj.away_until,
            calendar=obj.calendar,
        )
