"""Saving and loading one versioned model artefact, as bytes or as a file, verified by SHA-256.

A joblib file is a pickle: loading it runs code. So the loader only reads a
plain file name inside the artefact directory (or bytes handed to it), and
hashes the exact bytes it is about to unpickle against the digest recorded
when the artefact was made (kept in the database by the app) before
unpickling anything.
"""

import hashlib
import hmac
import io
import os
import platform
import re
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

import joblib
import numpy
import scipy
import sklearn

from ml.model import TicketModel

FILENAME_PREFIX = "ticket_classifier-"
FILENAME_SUFFIX = ".joblib"
FORMAT = 1
_VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_CHUNK = 1 << 20


class ArtifactError(Exception):
    """An artefact is missing, unreadable, tampered with or not a ticket model."""


@dataclass(frozen=True)
class ArtifactInfo:
    """Where an artefact was written and the digest to record for loading it."""

    path: Path
    filename: str
    sha256: str
    size: int


def artifact_filename(version: str) -> str:
    """``ticket_classifier-<version>.joblib``; the version must be a safe file-name part."""
    if not _VERSION.fullmatch(version) or ".." in version:
        raise ArtifactError(f"unsafe model version {version!r}")
    return f"{FILENAME_PREFIX}{version}{FILENAME_SUFFIX}"


def _payload(model: TicketModel, version: str, metadata: dict) -> dict:
    model.version = version
    full = {
        **model.metadata,  # n_samples, metrics, ... recorded by train_classifier
        **metadata,
        "version": version,
        "classes": model.classes,
        "libraries": {
            "python": platform.python_version(),
            "sklearn": sklearn.__version__,
            "numpy": numpy.__version__,
            "scipy": scipy.__version__,
            "joblib": joblib.__version__,
        },
    }
    full.setdefault("trained_at", datetime.now(UTC).isoformat(timespec="seconds"))
    model.metadata = full
    return {"format": FORMAT, "metadata": full, "model": model}


def artifact_bytes(model: TicketModel, *, version: str, metadata: dict) -> bytes:
    """The artefact as bytes, e.g. to store in a database; hash with ``sha256_hex``."""
    artifact_filename(version)
    buffer = io.BytesIO()
    joblib.dump(_payload(model, version, metadata), buffer)
    return buffer.getvalue()


def sha256_hex(data: bytes) -> str:
    """Hex SHA-256 of artefact bytes, as ``save_artifact`` reports it."""
    return hashlib.sha256(data).hexdigest()


def save_artifact(
    model: TicketModel, directory: Path, *, version: str, metadata: dict
) -> ArtifactInfo:
    """Write ``ticket_classifier-<version>.joblib`` atomically; return its size and SHA-256.

    The file appears complete or not at all (temporary file, fsync, os.replace);
    an existing file of the same version is replaced.
    """
    filename = artifact_filename(version)
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{filename}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w+b") as raw:
            joblib.dump(_payload(model, version, metadata), raw)
            raw.flush()
            os.fsync(raw.fileno())
            # Hash the bytes as written, read back through the same handle.
            raw.seek(0)
            sha256, size = _file_digest(raw), raw.tell()
        os.replace(tmp, directory / filename)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return ArtifactInfo(directory / filename, filename, sha256, size)


def write_artifact_file(directory: Path, filename: str, data: bytes) -> Path:
    """Write artefact bytes (e.g. fetched from a database) under ``filename`` atomically, as
    a local cached copy; the name must be one ``artifact_filename`` produces."""
    _check_filename(filename)
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{filename}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as raw:
            raw.write(data)
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(tmp, directory / filename)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return directory / filename


def _file_digest(source: BinaryIO) -> str:
    digest = hashlib.sha256()
    for block in iter(lambda: source.read(_CHUNK), b""):
        digest.update(block)
    return digest.hexdigest()


def _check_digest(actual: str, expected: str) -> None:
    if not hmac.compare_digest(actual, expected.lower()):
        raise ArtifactError("artefact SHA-256 does not match the recorded digest")


def _unpickle(source: BinaryIO) -> TicketModel:
    try:
        payload = joblib.load(source)
    except Exception as exc:  # a corrupt pickle can raise nearly anything
        raise ArtifactError(f"artefact cannot be read: {exc.__class__.__name__}") from exc
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ArtifactError("file is not a ticket model artefact of a known format")
    model, metadata = payload.get("model"), payload.get("metadata")
    if not isinstance(model, TicketModel) or not isinstance(metadata, dict):
        raise ArtifactError("artefact does not hold a ticket model")
    model.version = str(metadata.get("version", ""))
    model.metadata = metadata
    return model


def _check_filename(filename: str) -> None:
    """Accept only names save_artifact produces, which cannot leave the directory."""
    name = filename if isinstance(filename, str) else ""
    version = name.removeprefix(FILENAME_PREFIX).removesuffix(FILENAME_SUFFIX)
    try:
        if artifact_filename(version) == name:
            return
    except ArtifactError:
        pass
    raise ArtifactError(f"refusing artefact file name {filename!r}")


def _check_expected(expected_sha256: str) -> None:
    if not isinstance(expected_sha256, str) or not _SHA256.fullmatch(expected_sha256.lower()):
        raise ArtifactError("expected SHA-256 must be 64 hexadecimal characters")


def load_artifact_bytes(data: bytes, expected_sha256: str) -> TicketModel:
    """Verify ``data`` against ``expected_sha256``, then unpickle the model.

    Accepts bytes, bytearray or memoryview (what a database driver returns
    for a binary column); raises only ArtifactError.
    """
    _check_expected(expected_sha256)
    if not isinstance(data, bytes | bytearray | memoryview):
        raise ArtifactError("artefact data must be bytes")
    _check_digest(sha256_hex(data), expected_sha256)
    return _unpickle(io.BytesIO(data))


def load_artifact(directory: Path, filename: str, expected_sha256: str) -> TicketModel:
    """Load a model file saved by ``save_artifact``; raises only ArtifactError.

    ``filename`` must be a bare artefact name (no directory part, no "..").
    The digest is computed on the same open file that is then unpickled, so
    the file cannot be swapped between the check and the load.
    """
    _check_expected(expected_sha256)
    _check_filename(filename)
    try:
        with open(Path(directory) / filename, "rb") as source:
            _check_digest(_file_digest(source), expected_sha256)
            source.seek(0)
            return _unpickle(source)
    except OSError as exc:
        raise ArtifactError(f"artefact {filename!r} cannot be opened: {exc.strerror}") from exc
