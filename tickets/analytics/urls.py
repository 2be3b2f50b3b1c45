"""`/api/analytics/...`, included from config/urls.py."""

from django.urls import path

from tickets.analytics import views

urlpatterns = [
    path("", views.AnalyticsRootView.as_view(), name="analytics-root"),
    path("trends/", views.TrendsView.as_view(), name="analytics-trends"),
    path("mttr/", views.ResolutionTimesView.as_view(), name="analytics-mttr"),
    path("first-response/", views.FirstResponseView.as_view(), name="analytics-first-response"),
    path("backlog/", views.BacklogView.as_view(), name="analytics-backlog"),
    path("agents/", views.AgentsView.as_view(), name="analytics-agents"),
    path("triage/", views.TriageView.as_view(), name="analytics-triage"),
    path("sla/", views.SlaView.as_view(), name="analytics-sla"),
    path("sla/at_risk/", views.SlaAtRiskView.as_view(), name="analytics-sla-at-risk"),
]
