"""Inbound mail in the admin (registered from tickets/admin.py): what each message became,
and the senders made into users, for staff to review."""

from django.contrib import admin

from tickets.models import InboundMail


class SenderCreatedFilter(admin.SimpleListFilter):
    title = "sender"
    parameter_name = "new_sender"

    def lookups(self, request, model_admin):
        return [("yes", "Made into a new user (to review)")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(sender_created__isnull=False)
        return queryset


@admin.register(InboundMail)
class InboundMailAdmin(admin.ModelAdmin):
    list_display = ["received_at", "door", "outcome", "sender", "subject", "ticket", "size"]
    list_filter = ["outcome", "door", SenderCreatedFilter]
    search_fields = ["sender", "subject", "message_id"]
    date_hierarchy = "received_at"
    list_select_related = ["ticket"]
    raw_id_fields = ["ticket", "ticket_message", "sender_created"]

    # A record of what arrived: nobody writes it by hand.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
