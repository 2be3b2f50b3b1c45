"""Admin for tickets: every state change goes through tickets.services, as in the API."""

from django import forms
from django.contrib import admin, messages

from agents.models import Agent
from config.api.exceptions import DomainError
from tickets import services
from tickets.models import (
    ALLOWED_TRANSITIONS,
    Category,
    EventKind,
    Ticket,
    TicketEvent,
    TicketStatus,
)
from tickets.sla import admin as sla_admin  # noqa: F401 - registers the SLA policies


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


class TicketAdminForm(forms.ModelForm):
    """Refuses, with the form shown again, the changes the services would refuse."""

    class Meta:
        model = Ticket
        fields = ["title", "description", "status", "priority", "category", "assigned_to"]

    def clean(self):
        data = super().clean()
        if self.instance.pk is None:
            return data
        before = self.initial.get("status")
        status = data.get("status")
        if "status" in self.changed_data and status not in ALLOWED_TRANSITIONS[before]:
            allowed = ", ".join(ALLOWED_TRANSITIONS[before])
            self.add_error("status", f"Cannot go from {before} to {status}; allowed: {allowed}.")
        if "assigned_to" in self.changed_data:
            user = data.get("assigned_to")  # empty: unassigned, as the API's null
            if user is not None and not Agent.objects.filter(user=user).exists():
                self.add_error("assigned_to", f"{user} is not an agent.")
        if "category" in self.changed_data and data.get("category") is None:
            self.add_error("category", "A category cannot be cleared; choose another one.")
        return data


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    form = TicketAdminForm
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
    list_filter = [
        "status",
        "priority",
        "department",
        "category",
        "classified_by",
        "is_undated_history",
    ]
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
        "classification_why",
        "is_undated_history",
        "first_response_at",
        "sla_policy",
        "first_response_due",
        "resolution_due",
        "sla_paused_at",
    ]
    inlines = [TicketEventInline]
    actions = [_transition_action(s) for s in TicketStatus.values]

    def get_fields(self, request, obj=None):
        if obj is None:  # a new ticket is classified and routed like one from the API
            return ["title", "description", "priority"]
        return super().get_fields(request, obj)

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    @admin.display(description="why classified")
    def classification_why(self, obj: Ticket) -> str:
        """The latest classification's explanation: keywords matched, or the model's terms."""
        event = obj.events.filter(kind=EventKind.CLASSIFIED).order_by("-created_at", "-id").first()
        explanation = (event.payload or {}).get("explanation") if event else None
        if not explanation:
            return "-"
        if "keywords" in explanation:
            return "keywords: " + ", ".join(explanation["keywords"])
        parts = [
            f"{explanation['label']}: "
            + ", ".join(f"{t['term']} ({t['weight']:+.2f})" for t in explanation.get("terms", []))
        ]
        runner_up = explanation.get("runner_up")
        if runner_up:
            parts.append(
                f"runner-up {runner_up['label']}: "
                + ", ".join(f"{t['term']} ({t['weight']:+.2f})" for t in runner_up["terms"])
            )
        return "; ".join(parts)

    def delete_model(self, request, obj: Ticket) -> None:
        services.ticket_delete(ticket=obj)

    def delete_queryset(self, request, queryset) -> None:
        for ticket in queryset:
            services.ticket_delete(ticket=ticket)

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
        """Every change of the form in one call of the API's service: all or nothing."""
        changed = set(form.changed_data)
        edits = {
            field: getattr(obj, field)
            for field in ("title", "description", "priority", "category", "status")
            if field in changed
        }
        if "assigned_to" in changed:
            edits["assigned_to"] = obj.assigned_to_id
        if edits:
            services.ticket_update(
                ticket=Ticket.objects.get(pk=obj.pk), actor=request.user, **edits
            )


# The admin of the rooms that have one: inbound mail records, the outbox's webhooks and
# notifications.
from tickets.mail import admin as mail_admin  # noqa: E402,F401
from tickets.outbox import admin as outbox_admin  # noqa: E402,F401
