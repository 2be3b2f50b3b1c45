"""Webhooks and notifications in the admin (registered from tickets/admin.py)."""

from django import forms
from django.contrib import admin, messages

from tickets.models import (
    Notification,
    NotificationPreference,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from tickets.outbox.serializers import EVENT_TYPES
from tickets.outbox.services import webhook_redeliver
from tickets.outbox.signing import secret_generate
from tickets.outbox.url_guard import UnsafeURL, url_resolve


class WebhookEndpointForm(forms.ModelForm):
    url = forms.URLField(max_length=2000, assume_scheme="https")
    event_types = forms.MultipleChoiceField(
        choices=[(kind, kind) for kind in EVENT_TYPES], widget=forms.CheckboxSelectMultiple
    )
    secret = forms.CharField(
        required=False,
        max_length=128,
        help_text="Left empty on a new endpoint: one is generated.",
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["url", "description", "event_types", "secret", "is_active"]

    def clean_url(self):
        url = self.cleaned_data["url"]
        try:
            url_resolve(url)
        except UnsafeURL as refused:
            raise forms.ValidationError(str(refused)) from None
        return url

    def clean_secret(self):
        secret = self.cleaned_data["secret"]
        if not secret:
            return self.instance.secret or secret_generate()
        if len(secret) < 16:
            raise forms.ValidationError("At least 16 characters.")
        return secret


class WebhookDeliveryInline(admin.TabularInline):
    model = WebhookDelivery
    fields = ["event", "state", "attempts", "next_attempt_at", "delivered_at", "last_error"]
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = True
    ordering = ["-id"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("event")


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = ["url", "is_active", "event_types", "consecutive_failures", "disabled_reason"]
    list_filter = ["is_active"]
    readonly_fields = ["disabled_reason", "disabled_at", "failing_since", "consecutive_failures"]
    inlines = [WebhookDeliveryInline]

    def save_model(self, request, obj, form, change):
        if obj.is_active and "is_active" in form.changed_data:
            obj.disabled_reason, obj.disabled_at = "", None
            obj.failing_since, obj.consecutive_failures = None, 0
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    fields = ["started_at", "status_code", "latency_ms", "error", "ok"]
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["event", "endpoint", "state", "attempts", "next_attempt_at", "last_error"]
    list_filter = ["state"]
    list_select_related = ["event", "endpoint"]
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]
    inlines = [WebhookAttemptInline]
    actions = ["redeliver"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Deliver again")
    def redeliver(self, request, queryset):
        for delivery in queryset.select_related("event", "endpoint"):
            try:
                webhook_redeliver(endpoint=delivery.endpoint, event=delivery.event)
            except Exception as error:  # noqa: BLE001 - a DomainError, shown to staff
                self.message_user(request, str(error), messages.ERROR)
                return
        self.message_user(request, "Queued for delivery.")


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["kind", "recipient", "state", "attempts", "sent_at", "last_error"]
    list_filter = ["state", "kind"]
    list_select_related = ["recipient"]
    readonly_fields = [f.name for f in Notification._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "language", "muted"]
    list_select_related = ["user"]
