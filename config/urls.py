from django.contrib import admin
from django.urls import include, path
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from agents.views import CalendarViewSet, DepartmentViewSet
from config.api.login_throttling import login_rate_limited
from config.api.tokens import (
    LogoutView,
    TokenObtainView,
    TokenRefreshRotatingView,
    TokenVerifyCheckView,
)
from config.health import healthz, readyz
from config.views import api_root
from tickets.agents_api import AgentViewSet
from tickets.analytics.dashboard import dashboard, dashboard_logout
from tickets.sla.views import SlaPolicyViewSet
from tickets.views import CategoryViewSet, TicketViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("tickets", TicketViewSet, basename="ticket")
router.register("agents", AgentViewSet, basename="agent")
router.register("departments", DepartmentViewSet, basename="department")
router.register("categories", CategoryViewSet, basename="category")
router.register("calendars", CalendarViewSet, basename="calendar")
router.register("sla/policies", SlaPolicyViewSet, basename="sla-policy")

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
    # Swagger UI's start-up script from its own URL (?script), not inline: CSP allows no inline.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/ml/", include("tickets.triage.urls")),
    path("api/analytics/", include("tickets.analytics.urls")),
    path("api/tickets/", include("tickets.conversation.urls")),
    path("api/", include("tickets.outbox.urls")),
    path("api/mail/", include("tickets.mail.urls")),
    path("api/", include(router.urls)),
    path("api/", include(alias_router.urls)),
    # The admin's login form under the sign-in rate limits of /api/token/ (same path as the
    # admin's own route, which it shadows).
    path("admin/login/", login_rate_limited(admin.site.login)),
    path("admin/", admin.site.urls),
    path("dashboard/", dashboard, name="dashboard"),
    path("dashboard/logout/", dashboard_logout, name="dashboard-logout"),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
]

handler400 = "config.views.json_bad_request"
handler404 = "config.views.json_not_found"
handler500 = "config.views.json_server_error"
