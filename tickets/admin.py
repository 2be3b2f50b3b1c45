"""Admin for tickets: every state change goes through tickets.services, as in the API."""

from django.contrib import admin, messages

from config.exceptions import DomainError
from tickets import services
from tickets.models import Category, Ticket, TicketEvent, TicketStatus


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "department", "keyword_count"]
    list_filter = ["department"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    @admin.display(description="Keywords")
    def keyword_count(self, category: Category) -> int:
        return len(category.keywords or [])


class TicketEventInline(admin.TabularInline):
    model = TicketEvent
    fields = ["created_at", "kind", "actor", "payload"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["created_at", "id"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


def _transition_action(status: str):
    def action(modeladmin, request, queryset):
        done = 0
        for ticket in queryset:
            try:
                services.ticket_transition(ticket=ticket, status=status, actor=request.user)
                done += 1
            except DomainError as error:
                messages.warning(request, f"#{ticket.pk}: {error.message}")
        messages.info(request, f"{done} ticket(s) moved to {status}.")

    action.__name__ = f"mark_{status.lower()}"
    action.short_description = f"Move selected tickets to {status}"
    return action


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "title",
        "status",
        "priority",
        "category",
        "department",
        "assigned_to",
        "classified_by",
        "created_at",
    ]
    list_filter = ["status", "priority", "department", "category", "classified_by"]
    search_fields = ["title", "description"]
    list_select_related = ["category", "department", "assigned_to"]
    date_hierarchy = "created_at"
    raw_id_fields = ["assigned_to", "created_by"]
    readonly_fields = [
        "department",
        "created_by",
        "created_at",
        "updated_at",
        "resolved_at",
        "classified_by",
        "confidence",
        "model_version",
    ]
    inlines = [TicketEventInline]
    actions = [_transition_action(s) for s in TicketStatus.values]

    def save_model(self, request, obj: Ticket, form, change: bool) -> None:
        try:
            if not change:
                created = services.ticket_create(
                    title=obj.title,
                    description=obj.description,
                    priority=obj.priority,
                    created_by=request.user,
                )
                obj.pk = created.pk
                return
            self._apply_changes(request, obj, form)
        except DomainError as error:
            messages.error(request, error.message)

    def _apply_changes(self, request, obj: Ticket, form) -> None:
        ticket = Ticket.objects.get(pk=obj.pk)
        changed = set(form.changed_data)
        edits = {
            field: getattr(obj, field)
            for field in ("title", "description", "priority", "category")
            if field in changed and getattr(obj, field) is not None
        }
        if edits:
            ticket = services.ticket_update(ticket=ticket, actor=request.user, **edits)
        if "assigned_to" in changed and obj.assigned_to_id:
            ticket = services.ticket_assign(
                ticket=ticket, user_id=obj.assigned_to_id, actor=request.user
            )
        if "status" in changed:
            services.ticket_transition(ticket=ticket, status=obj.status, actor=request.user)

    def save_formset(self, request, form, formset, change):
        # Events are read-only; nothing to save.
        return None
