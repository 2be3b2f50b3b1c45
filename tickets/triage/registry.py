"""The active trained model of this process, swapped in without a restart.

Which version is active is asked of the default cache (Redis when REDIS_URL is set, shared
by every process; local memory otherwise), which keeps the answer for
ML_VERSION_CHECK_SECONDS; a miss asks the database once and fills the cache. Activating a
model clears the answer at once and writes the new one when its transaction commits, so
with Redis every process sees it on its next call; with a per-process cache, within
ML_VERSION_CHECK_SECONDS. An unreachable cache falls back to asking the database.

The artefact's bytes live in the database (ClassifierArtifact), so no host's disk matters;
ML_ARTIFACT_DIR only holds this host's cached copy. Either copy is unpickled only when its
SHA-256 matches the registry's and its HMAC signature verifies under ML_SIGNING_KEY (which only
the environment holds: whoever can write the registry's rows or this cache cannot forge it); a
bad cached copy is replaced from the database. A missing, corrupt, swapped or unsigned artefact
in the database is logged and the triage chain falls back to keyword rules; the load is retried
after ML_RETRY_SECONDS, not on every request.
"""

import fcntl
import logging
import os
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core.cache import cache

from ml.artifacts import (
    ArtifactError,
    ArtifactSignatureError,
    load_artifact,
    load_artifact_bytes,
    write_artifact_file,
)
from ml.model import TicketModel
from tickets.models import ClassifierArtifact, ClassifierModel
from tickets.triage.pruning import artifact_cache_prune

logger = logging.getLogger(__name__)

# v2: rows gained the signature (a v1 row of a process not yet upgraded is never misread).
VERSION_CACHE_KEY = "ml:active-model:v2"
_NONE_ACTIVE = "-"  # cached answer "no model is active" (a cache miss is None)

ActiveRow = tuple[str, str, str, str]  # version, cached file name, sha256, signature

_lock = threading.Lock()
_loaded: dict = {"version": None, "model": None}
_failures: dict[str, float] = {}


def _active_from_database() -> ActiveRow | None:
    row = (
        ClassifierModel.objects.filter(is_active=True)
        .values_list("version", "artifact", "sha256", "signature")
        .first()
    )
    return tuple(row) if row else None


def active_row() -> ActiveRow | None:
    """(version, file name, sha256, signature) of the active model, through the cache."""
    # An unreachable cache answers None (IGNORE_EXCEPTIONS, config/settings.py): the
    # database is asked.
    cached = cache.get(VERSION_CACHE_KEY)
    if cached is not None:
        return None if cached == _NONE_ACTIVE else tuple(cached)
    row = _active_from_database()
    # add, not set: an activation that committed after this read has already written its
    # answer, which this older one must not overwrite.
    cache.add(VERSION_CACHE_KEY, _cached_value(row), settings.ML_VERSION_CHECK_SECONDS)
    return row


def _cached_value(row: ActiveRow | None):
    return list(row) if row else _NONE_ACTIVE


def active_version_clear() -> None:
    """Forget the cached answer (inside an activation: the next check asks the database)."""
    cache.delete(VERSION_CACHE_KEY)


def active_version_publish() -> None:
    """Write the committed active version to the cache (on commit of an activation), so
    every process's next check sees it, even one that read the database just before."""
    row = _active_from_database()
    cache.set(VERSION_CACHE_KEY, _cached_value(row), settings.ML_VERSION_CHECK_SECONDS)


def active_model() -> TicketModel | None:
    """The active TicketModel, or None when none is active or its artefact cannot be trusted."""
    row = active_row()
    if row is None:
        _forget()
        return None
    version = row[0]
    if _loaded["version"] == version:
        return _loaded["model"]
    failed_at = _failures.get(version)
    if failed_at is not None and time.monotonic() - failed_at < settings.ML_RETRY_SECONDS:
        return None
    with _lock:
        if _loaded["version"] == version:
            return _loaded["model"]
        try:
            model = _load(*row)
        except ArtifactSignatureError as error:
            _failures[version] = time.monotonic()
            logger.error(
                "model %s refused, falling back to keywords: %s. If you trust this artefact "
                "(trained by this deployment), sign it: manage.py sign_models --model %s",
                version,
                error,
                version,
            )
            return None
        except ArtifactError as error:
            _failures[version] = time.monotonic()
            logger.error("model %s unusable, falling back to keywords: %s", version, error)
            return None
        model.version = version
        _failures.pop(version, None)
        _loaded.update(version=version, model=model)
        return model


def loaded_version() -> str | None:
    """The version of the model this process holds (None: none yet). Never loads one."""
    return _loaded["version"]


def _load(version: str, filename: str, sha256: str, signature: str) -> TicketModel:
    """This host's cached copy when it is intact, else the database's bytes (then cached);
    either only once its signature verifies under ML_SIGNING_KEY.

    Processes of one host needing a new artefact at once (gunicorn workers after an
    activation) take turns under a lock on the directory: the first fetches it and writes
    the cached copy, the others then read that copy instead of each fetching hundreds of MB.
    """
    directory = Path(settings.ML_ARTIFACT_DIR)
    path = directory / filename
    verify = {"version": version, "signature": signature, "key": settings.ML_SIGNING_KEY}
    seen = _file_identity(path)
    if seen is not None:
        model = _load_cached(directory, filename, sha256, verify)
        if model is not None:
            return model
    with _host_lock(directory):
        now = _file_identity(path)
        if now is not None and now != seen:  # written by another process while we waited
            model = _load_cached(directory, filename, sha256, verify)
            if model is not None:
                return model
        data = _fetch(version)
        model = load_artifact_bytes(data, sha256, **verify)
        try:
            write_artifact_file(directory, filename, data)
        except (OSError, ArtifactError) as error:
            logger.warning("model %s not cached in %s: %s", version, directory, error)
        else:
            _cache_prune(directory)
    logger.info("model %s loaded from the database", version)
    return model


def _cache_prune(directory: Path) -> None:
    """A new copy joined this host's cache: drop the copies of pruned models (rarely any)."""
    try:
        artifact_cache_prune(directory)
    except Exception as error:  # noqa: BLE001 - the model is loaded; clean-up is best effort
        logger.warning("cache directory %s not pruned: %s", directory, error)


def _load_cached(directory: Path, filename: str, sha256: str, verify: dict) -> TicketModel | None:
    version = verify["version"]
    try:
        model = load_artifact(directory, filename, sha256, **verify)
    except ArtifactError as error:
        logger.warning("cached copy of model %s refused, fetching it again: %s", version, error)
        return None
    logger.info("model %s loaded from the local cache %s", version, filename)
    return model


def _fetch(version: str) -> bytes:
    """The artefact's bytes from the database."""
    data = (
        ClassifierArtifact.objects.filter(model__version=version)
        .values_list("data", flat=True)
        .first()
    )
    if data is None:
        raise ArtifactError("artefact is not stored in the database")
    return bytes(data)


def _file_identity(path: Path) -> tuple[int, int] | None:
    """(inode, mtime) of a cached copy, None when there is none: a copy written meanwhile
    (atomically, by rename) has another identity."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return (stat.st_ino, stat.st_mtime_ns)


@contextmanager
def _host_lock(directory: Path):
    """An exclusive flock on the cache directory itself (no lock file to leave behind);
    without a usable directory, no lock: each process then fetches for itself."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd = os.open(directory, os.O_RDONLY)
    except OSError as error:
        logger.warning("cannot lock %s, fetching without a lock: %s", directory, error)
        fd = None
    if fd is None:
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def _forget() -> None:
    if _loaded["version"] is not None:
        with _lock:
            _loaded.update(version=None, model=None)


def reset_cache() -> None:
    """Drop this process's loaded model, failure memory and cached active version (tests)."""
    with _lock:
        _loaded.update(version=None, model=None)
        _failures.clear()
    active_version_clear()
