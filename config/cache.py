"""The cache settings for Redis (REDIS_URL), shared by the settings and the outage tests."""


def redis_cache(url: str, *, timeout_seconds: float = 1) -> dict:
    """django-redis with IGNORE_EXCEPTIONS: a Redis outage neither hangs nor fails a request.
    Every cache call then answers "nothing cached" (throttles let requests through, triage
    reads the database) and the ignored error is logged (DJANGO_REDIS_LOGGER)."""
    return {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": url,
        "KEY_PREFIX": "ticketing",
        "OPTIONS": {
            "SOCKET_CONNECT_TIMEOUT": timeout_seconds,
            "SOCKET_TIMEOUT": timeout_seconds,
            "IGNORE_EXCEPTIONS": True,
        },
    }
