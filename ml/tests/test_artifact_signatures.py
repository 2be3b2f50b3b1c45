"""HMAC-SHA256 signatures of artefacts (no Django): a loader unpickles nothing whose signature is
missing, malformed, made under another key or for another version, as bytes or as a file."""

import io
import os
import shlex

import joblib
import pytest

from ml.artifacts import (
    ArtifactSignatureError,
    artifact_bytes,
    artifact_signature,
    load_artifact,
    load_artifact_bytes,
    save_artifact,
    sha256_hex,
    write_artifact_file,
)

KEY = "ml-tests-signing-key-0123456789-abcdefghijklmnop"
OTHER_KEY = "another-signing-key-0123456789-abcdefghijklmnop"


class _RunsAShell:
    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.system, (f"echo pwned > {shlex.quote(self.marker)}",))


@pytest.fixture
def evil(tmp_path):
    """(bytes that run a shell command when unpickled, the marker file that command writes)."""
    marker = tmp_path / "pwned"
    buffer = io.BytesIO()
    joblib.dump(_RunsAShell(marker), buffer)
    return buffer.getvalue(), marker


def test_the_signature_is_an_hmac_bound_to_key_version_and_bytes(model):
    data = artifact_bytes(model, version="v1", metadata={})
    signature = artifact_signature(data, version="v1", key=KEY)

    assert len(signature) == 64
    assert signature == artifact_signature(data, version="v1", key=KEY.encode())
    assert signature != artifact_signature(data, version="v1", key=OTHER_KEY)
    assert signature != artifact_signature(data, version="v2", key=KEY)
    assert signature != artifact_signature(data + b"\0", version="v1", key=KEY)
    assert signature != sha256_hex(data)


@pytest.mark.parametrize(
    ("signature", "message"),
    [
        ("", "not signed"),
        (None, "not signed"),
        ("zz" * 32, "malformed"),
        ("ab" * 31, "malformed"),
    ],
)
def test_missing_or_malformed_signatures_are_refused_before_unpickling(evil, signature, message):
    data, marker = evil
    with pytest.raises(ArtifactSignatureError, match=message):
        load_artifact_bytes(data, sha256_hex(data), version="v1", signature=signature, key=KEY)
    assert not marker.exists()


@pytest.mark.parametrize(
    ("sign_key", "sign_version"),
    [(OTHER_KEY, "v1"), (KEY, "v2")],
    ids=["other-key", "other-version"],
)
def test_wrong_signatures_are_refused_before_unpickling(evil, tmp_path, sign_key, sign_version):
    data, marker = evil
    signature = artifact_signature(data, version=sign_version, key=sign_key)
    path = write_artifact_file(tmp_path, "ticket_classifier-v1.joblib", data)
    verify = {"version": "v1", "signature": signature, "key": KEY}

    with pytest.raises(ArtifactSignatureError, match="does not verify"):
        load_artifact_bytes(data, sha256_hex(data), **verify)
    with pytest.raises(ArtifactSignatureError, match="does not verify"):
        load_artifact(tmp_path, path.name, sha256_hex(data), **verify)
    assert not marker.exists()


def test_no_key_no_load(model, tmp_path):
    data = artifact_bytes(model, version="v1", metadata={})
    signature = artifact_signature(data, version="v1", key=KEY)
    with pytest.raises(ArtifactSignatureError, match="no signing key"):
        load_artifact_bytes(data, sha256_hex(data), version="v1", signature=signature, key="")
    with pytest.raises(ArtifactSignatureError, match="no signing key"):
        save_artifact(model, tmp_path, version="v1", metadata={}, key=b"")


def test_a_saved_artefact_loads_only_under_its_key(model, tmp_path):
    info = save_artifact(model, tmp_path, version="v3", metadata={}, key=KEY)
    loaded = load_artifact(
        tmp_path, info.filename, info.sha256, version="v3", signature=info.signature, key=KEY
    )
    assert loaded.version == "v3"

    with pytest.raises(ArtifactSignatureError):
        load_artifact(
            tmp_path,
            info.filename,
            info.sha256,
            version="v3",
            signature=info.signature,
            key=OTHER_KEY,
        )
