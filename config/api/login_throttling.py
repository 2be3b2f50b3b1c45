"""Sign-in limits for the session login forms (the admin's and the dashboard's), and the page
shown when a sign-in is refused for too many attempts.

Two layers, the same on every login path, POST /api/token/ included:

- rate limits per client address and per username (config/api/throttling.py, the token scopes and
  their counters, shared by all paths): `login_rate_limited` wraps the session login views;
- django-axes locks a (username, client address) pair out after AXES_FAILURE_LIMIT failed
  sign-ins, for AXES_COOLOFF_MINUTES: `lockout_response` renders that refusal
  (AXES_LOCKOUT_CALLABLE); the JWT view maps it to a 429 itself (config/api/tokens.py).
"""

import math
from functools import wraps

from axes.helpers import get_cool_off
from django.http import JsonResponse
from django.shortcuts import render

from config.api.throttling import TokenClientThrottle, TokenUsernameThrottle

TEMPLATE = "registration/too_many_attempts.html"
LOCKED_OUT = (
    "Too many failed sign-ins for this account from your address. "
    "Try again in {minutes} minute{plural}."
)
RATE_LIMITED = "Too many sign-in attempts. Try again in {seconds} second{plural}."


def login_rate_limited(view):
    """Refuse a sign-in POST with a 429 page once the client or the username tried too often
    (the limits and counters of POST /api/token/); GETs, which show the form, are free."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method == "POST":
            wait = _rate_limit_wait(request)
            if wait is not None:
                seconds = max(1, math.ceil(wait))
                message = RATE_LIMITED.format(seconds=seconds, plural="" if seconds == 1 else "s")
                return _refusal(request, message, seconds)
        return view(request, *args, **kwargs)

    return wrapped


def _rate_limit_wait(request) -> float | None:
    """Count this attempt against every limit (as DRF does) and return the longest wait of
    those exceeded, None when none is."""
    waits = []
    for throttle in (TokenClientThrottle(), TokenUsernameThrottle()):
        if not throttle.allow_request(request, None):
            waits.append(throttle.wait() or 1)
    return max(waits, default=None)


def lockout_notice(request) -> tuple[str, int]:
    """What a locked-out client is told, and the seconds the lock lasts (AXES_COOLOFF_TIME)."""
    cool_off = get_cool_off(request)
    seconds = max(1, math.ceil(cool_off.total_seconds())) if cool_off else 3600
    minutes = math.ceil(seconds / 60)
    return LOCKED_OUT.format(minutes=minutes, plural="" if minutes == 1 else "s"), seconds


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: a 429 page (JSON under /api/) saying how long the lock lasts."""
    return _refusal(request, *lockout_notice(request))


def _refusal(request, message: str, retry_after: int):
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=429)
    else:
        response = render(
            request,
            TEMPLATE,
            {"message": message, "retry_url": request.get_full_path()},
            status=429,
        )
    response["Retry-After"] = str(retry_after)
    return response
