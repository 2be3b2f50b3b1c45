"""The absolute lifetime of an API session.

A sign-in (POST /api/token/) starts a session: its refresh token carries `auth_time`, the
moment of sign-in, and every rotation keeps it unchanged (rotation only renews jti, iat and
exp). A refresh is refused once JWT_SESSION_MAX_AGE has passed since `auth_time`, and no access
token outlives the session's end, so rotating refresh tokens cannot keep a session alive for
ever: one signs in again.
"""

from datetime import UTC, datetime

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework_simplejwt.exceptions import AuthenticationFailed
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.utils import datetime_to_epoch

AUTH_TIME_CLAIM = "auth_time"


def session_end(token) -> int | None:
    """When the session a token belongs to ends (epoch seconds); None without a valid
    `auth_time`."""
    auth_time = token.get(AUTH_TIME_CLAIM)
    if not isinstance(auth_time, int) or isinstance(auth_time, bool):
        return None
    return auth_time + int(settings.JWT_SESSION_MAX_AGE.total_seconds())


def check_session_alive(token) -> None:
    """AuthenticationFailed (401) once the token's session is older than JWT_SESSION_MAX_AGE,
    or when the token carries no sign-in time (issued before sessions had one)."""
    end = session_end(token)
    now = datetime_to_epoch(datetime.now(UTC))
    if end is None or now >= end:
        hours = round(settings.JWT_SESSION_MAX_AGE.total_seconds() / 3600, 2)
        raise AuthenticationFailed(
            _(
                "Session expired: sessions last at most %(hours)s after sign-in. "
                "Sign in again with POST /api/token/."
            )
            % {"hours": f"{hours:g} hour" + ("" if hours == 1 else "s")},
            code="session_expired",
        )


class SessionRefreshToken(RefreshToken):
    """A refresh token stamped with the time of sign-in; the access tokens made from it expire
    no later than the session."""

    def __init__(self, token=None, verify=True):
        super().__init__(token, verify)
        if token is None:  # a new session: only sign-in makes refresh tokens from nothing
            self.payload[AUTH_TIME_CLAIM] = datetime_to_epoch(self.current_time)

    @property
    def access_token(self):
        access = super().access_token
        end = session_end(self)
        if end is not None and access["exp"] > end:
            access["exp"] = end
        return access
