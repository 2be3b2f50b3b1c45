"""Rate limits: the token endpoint per client and per username, ticket creation per user.

Counters live in the default cache: Redis when REDIS_URL is set, so that every process of the
deployment shares them; local memory otherwise. Rates come from REST_FRAMEWORK's
DEFAULT_THROTTLE_RATES (THROTTLE_*_RATE variables), read when a request is checked so that
settings overrides apply. An exceeded limit is a 429 with Retry-After (DRF adds the header).
"""

import hashlib

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle


class CacheSafeRateThrottle(SimpleRateThrottle):
    """DRF's sliding-window throttle with its rate read per request (settings overrides
    apply). An unreachable Redis lets requests through: the cache answers "no history" and
    drops the count (django-redis IGNORE_EXCEPTIONS, config/settings.py)."""

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

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
        data = request.data
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
