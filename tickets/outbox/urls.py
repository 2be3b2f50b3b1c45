from django.urls import path

from tickets.outbox import views

urlpatterns = [
    path("webhooks/", views.WebhookEndpointListView.as_view(), name="webhook-list"),
    path("webhooks/<int:pk>/", views.WebhookEndpointView.as_view(), name="webhook-detail"),
    path(
        "webhooks/<int:pk>/deliveries/",
        views.WebhookDeliveryListView.as_view(),
        name="webhook-deliveries",
    ),
    path(
        "webhooks/<int:pk>/redeliver/",
        views.WebhookRedeliverView.as_view(),
        name="webhook-redeliver",
    ),
    path(
        "notifications/preferences/",
        views.NotificationPreferenceView.as_view(),
        name="notification-preferences",
    ),
]
