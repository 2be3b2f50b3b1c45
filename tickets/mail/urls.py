from django.urls import path

from tickets.mail import views

urlpatterns = [
    path("inbound/", views.MailInboundView.as_view(), name="mail-inbound"),
]
