"""The active trained model of this process, swapped in without a restart.

Each call asks the database which version is active (one indexed query on a tiny table)
and loads the artefact only when that version changes, so every web process picks up a
newly activated model on its next request. A missing, corrupt or swapped artefact is
logged and the triage chain falls back to keyword rules; the load is retried after
ML_RETRY_SECONDS, not on every request.
"""

import logging
import threading
import time

from django.conf import settings

from ml.artifacts import ArtifactError, load_artifact
from tickets.models import ClassifierModel

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_loaded: dict = {"version": None, "model": None}
_failures: dict[str, float] = {}


def _active_row() -> tuple[str, str, str] | None:
    return (
        ClassifierModel.objects.filter(is_active=True)
        .values_list("version", "artifact", "sha256")
        .first()
    )


def active_model():
    """The active TicketModel, or None when none is active or its artefact cannot be trusted."""
    row = _active_row()
    if row is None:
        _forget()
        return None
    version, artifact, sha256 = row
    if _loaded["version"] == version:
        return _loaded["model"]
    failed_at = _failures.get(version)
    if failed_at is not None and time.monotonic() - failed_at < settings.ML_RETRY_SECONDS:
        return None
    with _lock:
        if _loaded["version"] == version:
            return _loaded["model"]
        try:
            model = load_artifact(settings.ML_ARTIFACT_DIR, artifact, sha256)
        except ArtifactError as error:
            _failures[version] = time.monotonic()
            logger.error("model %s unusable, falling back to keywords: %s", version, error)
            return None
        model.version = version
        _failures.pop(version, None)
        _loaded.update(version=version, model=model)
        logger.info("model %s loaded from %s", version, artifact)
        return model


def _forget() -> None:
    if _loaded["version"] is not None:
        with _lock:
            _loaded.update(version=None, model=None)


def reset_cache() -> None:
    """Drop this process's loaded model and failure memory (tests, after deleting files)."""
    with _lock:
        _loaded.update(version=None, model=None)
        _failures.clear()
