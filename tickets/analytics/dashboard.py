"""The support dashboard: a server-rendered page whose charts read the analytics API.

Session login: staff already signed in to the admin go straight through; anyone else gets
the login form here (the admin's own form admits staff only, and agents need the page too),
under the sign-in limits of every login path (config/api/login_throttling.py). Requesters are
refused (403) with a page that says why and lets them sign out. Signing out has its own view:
the admin's logout signs out staff only (it sends anyone else to the admin's index).
"""

from django.contrib.auth.views import LoginView, LogoutView
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache

from agents.permissions import user_is_agent_or_staff
from config.api.login_throttling import login_rate_limited
from tickets.analytics.windows import DEFAULT_DAYS

DAYS_CHOICES = (7, 30, 90, 365)

_login = login_rate_limited(
    LoginView.as_view(template_name="dashboard/login.html", next_page="dashboard")
)
# POST only (Django 5), with the CSRF token of the page's form; back to the login form.
dashboard_logout = LogoutView.as_view(next_page="dashboard")


@never_cache
def dashboard(request):
    if not request.user.is_authenticated:
        return _login(request)
    if not user_is_agent_or_staff(request.user):
        return render(request, "dashboard/forbidden.html", status=403)
    return render(
        request,
        "dashboard/index.html",
        {
            "days_choices": DAYS_CHOICES,
            "default_days": DEFAULT_DAYS,
            "endpoints": {
                name.replace("-", "_"): reverse(f"analytics-{name}")
                for name in (
                    "trends",
                    "mttr",
                    "first-response",
                    "backlog",
                    "agents",
                    "triage",
                    "sla",
                    "sla-at-risk",
                )
            },
        },
    )
