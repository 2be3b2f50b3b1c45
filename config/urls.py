from django.contrib import admin
from django.urls import include, path
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from agents.views import CalendarViewSet, DepartmentViewSet
from config.api.tokens import (
    LogoutView,
    TokenObtainView,
    TokenRefreshRotatingView,
    TokenVerifyCheckView,
)
from config.health import healthz, readyz
from config.views import api_root
from tickets.agents_api import AgentViewSet
from tickets.analytics.dashboard import dashboard
from tickets.views import CategoryViewSet, TicketViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("tickets", TicketViewSet, basename="ticket")
router.register("agents", AgentViewSet, basename="agent")
router.register("departments", DepartmentViewSet, basename="department")
router.register("categories", CategoryViewSet, basename="category")
router.register("calendars", CalendarViewSet, basename="calendar")

# The singular aliases kept for existing clients; left out of the schema to avoid duplicates.
alias_router = DefaultRouter(trailing_slash=True)
alias_router.include_root_view = False
alias_router.register(
    "ticket", extend_schema(exclude=True)(type("TicketAlias", (TicketViewSet,), {})), "ticket-alias"
)
alias_router.register(
    "agent", extend_schema(exclude=True)(type("AgentAlias", (AgentViewSet,), {})), "agent-alias"
)

urlpatterns = [
    path("api/", api_root, name="api-root"),
    path("api/token/", TokenObtainView.as_view(), name="token_obtain_pair"),
    path("api/token/refresh/", TokenRefreshRotatingView.as_view(), name="token_refresh"),
    path("api/token/verify/", TokenVerifyCheckView.as_view(), name="token_verify"),
    path("api/token/logout/", LogoutView.as_view(), name="token_logout"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/ml/", include("tickets.triage.urls")),
    path("api/analytics/", include("tickets.analytics.urls")),
    path("api/", include(router.urls)),
    path("api/", include(alias_router.urls)),
    path("admin/", admin.site.urls),
    path("dashboard/", dashboard, name="dashboard"),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
]

handler400 = "config.views.json_bad_request"
handler404 = "config.views.json_not_found"
handler500 = "config.views.json_server_error"
