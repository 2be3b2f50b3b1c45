"""Rate limits: the token endpoint per client and per username, ticket creation per user.

Counters live in the default cache: Redis when REDIS_URL is set, so that every process of the
deployment shares them; local memory otherwise. Rates come from REST_FRAMEWORK's
DEFAULT_THROTTLE_RATES (THROTTLE_*_RATE variables), read when a request is checked so that
settings overrides apply. An exceeded limit is a 429 with Retry-After (DRF adds the header).

The token scopes cover every sign-in path: POST /api/token/ (here), and the admin's and the
dashboard's session login forms (config/api/login_throttling.py), which share the same counters.
`client_ip` names the client for these throttles and for django-axes' lockouts alike.
"""

import hashlib
import ipaddress

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle


def client_ip(request) -> str | None:
    """The client's address: REMOTE_ADDR, or behind DJANGO_NUM_PROXIES trusted proxies the
    address the outermost of them saw, that many entries from the right of X-Forwarded-For
    (entries further left are whatever the client sent). An entry that is not an IP address
    falls back to REMOTE_ADDR.

    DRF's own rule (NUM_PROXIES), shared by the API throttles and by django-axes
    (AXES_CLIENT_IP_CALLABLE) so that both count the same client."""
    remote = request.META.get("REMOTE_ADDR") or None
    num_proxies = api_settings.NUM_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if not num_proxies or not forwarded:
        return remote
    addresses = [address.strip() for address in forwarded.split(",")]
    candidate = addresses[-min(num_proxies, len(addresses))]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


class CacheSafeRateThrottle(SimpleRateThrottle):
    """DRF's sliding-window throttle with its rate read per request (settings overrides
    apply). An unreachable Redis lets requests through: the cache answers "no history" and
    drops the count (django-redis IGNORE_EXCEPTIONS, config/settings.py)."""

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_ident(self, request) -> str | None:
        return client_ip(request)

    def _key(self, ident: str) -> str:
        return self.cache_format % {"scope": self.scope, "ident": ident}


class TokenClientThrottle(CacheSafeRateThrottle):
    """Token requests per client address (REMOTE_ADDR, or X-Forwarded-For past
    DJANGO_NUM_PROXIES trusted proxies)."""

    scope = "token_client"

    def get_cache_key(self, request, view) -> str:
        return self._key(self.get_ident(request))


class TokenUsernameThrottle(CacheSafeRateThrottle):
    """Token requests per username tried, whatever address they come from: slows down
    password guessing spread over many clients."""

    scope = "token_username"

    def get_cache_key(self, request, view) -> str | None:
        # request.data for the API; request.POST for the session login forms.
        data = request.data if hasattr(request, "data") else request.POST
        username = data.get("username") if hasattr(data, "get") else None
        if not isinstance(username, str) or not username:
            return None  # nothing to guess against; the serializer answers 400
        # surrogatepass: a lone surrogate is the serializer's to refuse (400), not a crash here.
        normalized = username.strip().lower().encode("utf-8", "surrogatepass")
        digest = hashlib.sha256(normalized).hexdigest()
        return self._key(digest)


class TicketCreateThrottle(CacheSafeRateThrottle):
    """Ticket creations per authenticated user."""

    scope = "ticket_create"

    def get_cache_key(self, request, view) -> str | None:
        if not request.user or not request.user.is_authenticated:
            return None
        return self._key(str(request.user.pk))
