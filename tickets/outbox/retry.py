"""When to try a failed delivery or email again."""

import random
from datetime import timedelta

from django.conf import settings


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff with jitter: about WEBHOOK_RETRY_BASE_SECONDS after the first
    failure, doubling with each, at most WEBHOOK_RETRY_MAX_DELAY_SECONDS, each drawn
    between half and all of it (so retries of many deliveries spread out)."""
    base = settings.WEBHOOK_RETRY_BASE_SECONDS * 2 ** min(max(attempts - 1, 0), 20)
    delay = min(base, settings.WEBHOOK_RETRY_MAX_DELAY_SECONDS)
    return timedelta(seconds=delay * random.uniform(0.5, 1.0))
