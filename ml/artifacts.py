"""Saving and loading one versioned model artefact, as bytes or as a file, signed and verified.

A joblib file is a pickle: loading it runs code. A SHA-256 recorded beside the bytes (in the
database) proves nothing to a loader, since whoever can write the bytes can write the digest
too. So the process that trains a model signs its artefact with HMAC-SHA256 under a key that
lives only in that process's environment (the app's ML_SIGNING_KEY), over a fixed context, the
model version and the exact bytes; every loader recomputes that signature under its own key and
compares it in constant time before unpickling anything. A missing, malformed or wrong
signature is an ArtifactSignatureError, and nothing is unpickled.

The loader also only reads a plain file name inside the artefact directory (or bytes handed to
it), and checks the recorded SHA-256 (which tells damage apart from a bad signature). The key
is passed in: this package imports no Django.
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
# Domain separation: this key's MACs over anything else never pass for an artefact signature.
_SIGNATURE_CONTEXT = b"ticket-classifier-artifact/v1\0"


class ArtifactError(Exception):
    """An artefact is missing, unreadable, tampered with or not a ticket model."""


class ArtifactSignatureError(ArtifactError):
    """An artefact is unsigned, or its signature does not verify under the signing key."""


@dataclass(frozen=True)
class ArtifactInfo:
    """Where an artefact was written and the digest and signature to record for loading it."""

    path: Path
    filename: str
    sha256: str
    size: int
    signature: str


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
    """The artefact as bytes, e.g. to store in a database; hash with ``sha256_hex`` and sign
    with ``artifact_signature``."""
    artifact_filename(version)
    buffer = io.BytesIO()
    joblib.dump(_payload(model, version, metadata), buffer)
    return buffer.getvalue()


def sha256_hex(data: bytes) -> str:
    """Hex SHA-256 of artefact bytes, as ``save_artifact`` reports it."""
    return hashlib.sha256(data).hexdigest()


def _key_bytes(key: str | bytes) -> bytes:
    if isinstance(key, str):
        key = key.encode()
    if not isinstance(key, bytes) or not key:
        raise ArtifactSignatureError("no signing key: artefacts cannot be signed or verified")
    return key


class _Digests:
    """SHA-256 and the HMAC-SHA256 signature of one artefact, fed in one pass."""

    def __init__(self, *, version: str, key: str | bytes):
        artifact_filename(version)  # a safe version, so no NUL can blur the context
        self._sha256 = hashlib.sha256()
        self._mac = hmac.new(_key_bytes(key), digestmod=hashlib.sha256)
        self._mac.update(_SIGNATURE_CONTEXT + version.encode() + b"\0")

    def update(self, data) -> None:
        self._sha256.update(data)
        self._mac.update(data)

    def sha256(self) -> str:
        return self._sha256.hexdigest()

    def signature(self) -> str:
        return self._mac.hexdigest()


def artifact_signature(data: bytes, *, version: str, key: str | bytes) -> str:
    """Hex HMAC-SHA256 under ``key`` of the artefact ``data`` of model ``version``: what the
    training process records, and what every loader recomputes before unpickling."""
    digests = _Digests(version=version, key=key)
    digests.update(data)
    return digests.signature()


def save_artifact(
    model: TicketModel, directory: Path, *, version: str, metadata: dict, key: str | bytes
) -> ArtifactInfo:
    """Write ``ticket_classifier-<version>.joblib`` atomically; return its size, SHA-256 and
    signature under ``key``.

    The file appears complete or not at all (temporary file, fsync, os.replace);
    an existing file of the same version is replaced.
    """
    filename = artifact_filename(version)
    digests = _Digests(version=version, key=key)
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{filename}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w+b") as raw:
            joblib.dump(_payload(model, version, metadata), raw)
            raw.flush()
            os.fsync(raw.fileno())
            # Hash and sign the bytes as written, read back through the same handle.
            raw.seek(0)
            _digest_file(raw, digests)
            size = raw.tell()
        os.replace(tmp, directory / filename)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return ArtifactInfo(directory / filename, filename, digests.sha256(), size, digests.signature())


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


def _digest_file(source: BinaryIO, digests: _Digests) -> None:
    for block in iter(lambda: source.read(_CHUNK), b""):
        digests.update(block)


def _check_digests(digests: _Digests, expected_sha256: str, signature: str) -> None:
    """Both before anything is unpickled; the signature compared in constant time."""
    if not hmac.compare_digest(digests.sha256(), expected_sha256.lower()):
        raise ArtifactError("artefact SHA-256 does not match the recorded digest")
    if not hmac.compare_digest(digests.signature(), signature.lower()):
        raise ArtifactSignatureError(
            "artefact signature does not verify under the signing key (tampered with, or "
            "signed under another key); not unpickled"
        )


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


def _check_expected(expected_sha256: str, signature: str) -> None:
    if not isinstance(expected_sha256, str) or not _SHA256.fullmatch(expected_sha256.lower()):
        raise ArtifactError("expected SHA-256 must be 64 hexadecimal characters")
    if not signature:
        raise ArtifactSignatureError("artefact is not signed; not unpickled")
    if not isinstance(signature, str) or not _SHA256.fullmatch(signature.lower()):
        raise ArtifactSignatureError("artefact signature is malformed; not unpickled")


def load_artifact_bytes(
    data: bytes, expected_sha256: str, *, version: str, signature: str, key: str | bytes
) -> TicketModel:
    """Verify ``data`` against ``expected_sha256`` and its ``signature`` under ``key`` (as
    ``artifact_signature`` made it for ``version``), then unpickle the model.

    Accepts bytes, bytearray or memoryview (what a database driver returns
    for a binary column); raises only ArtifactError (ArtifactSignatureError
    when the signature is missing or wrong).
    """
    _check_expected(expected_sha256, signature)
    if not isinstance(data, bytes | bytearray | memoryview):
        raise ArtifactError("artefact data must be bytes")
    digests = _Digests(version=version, key=key)
    digests.update(data)
    _check_digests(digests, expected_sha256, signature)
    return _unpickle(io.BytesIO(data))


def load_artifact(
    directory: Path,
    filename: str,
    expected_sha256: str,
    *,
    version: str,
    signature: str,
    key: str | bytes,
) -> TicketModel:
    """Load a model file saved by ``save_artifact`` (or ``write_artifact_file``), verified as
    ``load_artifact_bytes`` verifies bytes; raises only ArtifactError.

    ``filename`` must be a bare artefact name (no directory part, no "..").
    The digest and signature are computed on the same open file that is then
    unpickled, so the file cannot be swapped between the check and the load.
    """
    _check_expected(expected_sha256, signature)
    _check_filename(filename)
    digests = _Digests(version=version, key=key)
    try:
        with open(Path(directory) / filename, "rb") as source:
            _digest_file(source, digests)
            _check_digests(digests, expected_sha256, signature)
            source.seek(0)
            return _unpickle(source)
    except OSError as exc:
        raise ArtifactError(f"artefact {filename!r} cannot be opened: {exc.strerror}") from exc
