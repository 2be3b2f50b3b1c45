"""The categories the triage chain chooses from, kept by each process between requests.

Every ticket creation classifies against the whole category table (with each category's
department, which routing and the response use) and its keyword rules. Reading them on every
request cost a query and the ORM's work to build the rows; they change rarely (admin, API,
setup and import commands).

A token in the default cache names the current catalogue: Redis when REDIS_URL is set, shared
by every process, so a change is seen everywhere at the next request; local memory otherwise,
where another process's change is seen within CATALOGUE_CHECK_SECONDS (as for the active
model, ML_VERSION_CHECK_SECONDS). A process reuses what it read while the token it read it
under is still the cached one.

Saving or deleting a category or a department (model signals, see TicketsConfig.ready: the
admin, the API and the commands all save; a queryset `.update()` does not and must be
followed by catalogue_changed()) writes a new token when its transaction commits, so a
process that read the old rows meanwhile reads them again. Until then, the changing thread
reads the table on every call and keeps nothing: it sees its own uncommitted change, and a
rollback leaves nothing stale behind.
"""

import threading
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from ml.keywords import KeywordClassifier
from tickets.models import Category

CATALOGUE_CACHE_KEY = "tickets:triage-catalogue:v1"

_lock = threading.Lock()
_held: tuple[str, "TriageCatalogue"] | None = None
_changing = threading.local()  # .pending: this thread's transaction changed the catalogue


@dataclass(frozen=True)
class TriageCatalogue:
    categories: list[Category]
    by_slug: dict[str, Category] = field(repr=False)
    keywords: KeywordClassifier = field(repr=False)


def _load() -> TriageCatalogue:
    categories = list(Category.objects.select_related("department").order_by("pk"))
    return TriageCatalogue(
        categories=categories,
        by_slug={c.slug: c for c in categories},
        keywords=KeywordClassifier({c.slug: c.keywords or () for c in categories}),
    )


def triage_catalogue() -> TriageCatalogue:
    """The categories (with departments) and keyword rules, read again only after a change.

    The objects are shared by the requests of this process: read them, never modify them."""
    global _held
    if getattr(_changing, "pending", False):
        if transaction.get_connection().in_atomic_block:
            return _load()
        _changing.pending = False  # that transaction ended without committing
    # An unreachable cache answers None (IGNORE_EXCEPTIONS, config/settings.py), and then
    # refuses the add below: the categories are read every time, never kept stale.
    token = cache.get(CATALOGUE_CACHE_KEY)
    held = _held
    if token is not None and held is not None and held[0] == token:
        return held[1]
    catalogue = _load()
    if token is None:
        # add, not set: a change that committed since our read has published its own token,
        # which must win over ours (our rows may predate it).
        token = uuid.uuid4().hex
        if not cache.add(CATALOGUE_CACHE_KEY, token, settings.CATALOGUE_CHECK_SECONDS):
            return catalogue
    with _lock:
        _held = (token, catalogue)
    return catalogue


def _publish() -> None:
    global _held
    _changing.pending = False
    with _lock:
        _held = None
    cache.set(CATALOGUE_CACHE_KEY, uuid.uuid4().hex, settings.CATALOGUE_CHECK_SECONDS)


def catalogue_changed(**_signal_kwargs) -> None:
    """Categories or departments changed: every process reads them again once this commits."""
    if transaction.get_connection().in_atomic_block:
        _changing.pending = True
    transaction.on_commit(_publish)


def reset_cache() -> None:
    """Forget this process's catalogue and the cached token (tests: a flushed database sends
    no signals)."""
    global _held
    _changing.pending = False
    with _lock:
        _held = None
    cache.delete(CATALOGUE_CACHE_KEY)
