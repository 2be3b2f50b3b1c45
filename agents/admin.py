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
    readonly_fields = ["last_assigned_at", "open_load"]

    def get_queryset(self, request):
        return selectors.agent_list()

    def save_model(self, request, obj: Agent, form, change: bool) -> None:
        if not change:
            obj.save()
            return
        fields = {f: getattr(obj, f) for f in ("is_available", "max_open_tickets")}
        department = obj.department_id
        agent = Agent.objects.get(pk=obj.pk)
        if department != agent.department_id:
            agent.department_id = department
            agent.save(update_fields=["department"])
        services.agent_update(agent=agent, actor=request.user, **fields)
