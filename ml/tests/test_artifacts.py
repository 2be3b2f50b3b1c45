import hashlib

import joblib
import pytest

from ml.artifacts import (
    ArtifactError,
    artifact_bytes,
    artifact_signature,
    load_artifact,
    load_artifact_bytes,
    save_artifact,
    sha256_hex,
    write_artifact_file,
)

TITLE, DESCRIPTION = "Rechnung doppelt", "invoice charged twice, please refund"
KEY = "ml-tests-signing-key-0123456789-abcdefghijklmnop"


def signed(data: bytes, version: str) -> dict:
    """What a loader needs besides the digest: the version, the signature and the key."""
    return {
        "version": version,
        "signature": artifact_signature(data, version=version, key=KEY),
        "key": KEY,
    }


def load_file(directory, filename, expected_sha256):
    """Load a file as a loader would, signed with KEY as its own bytes are (the signature is
    not what these tests are about: tests/test_artifact_signing.py is)."""
    path = directory / filename
    version = filename.removeprefix("ticket_classifier-").removesuffix(".joblib")
    data = path.read_bytes() if path.is_file() else b""
    return load_artifact(directory, filename, expected_sha256, **signed(data, version))


@pytest.fixture
def saved(model, tmp_path):
    info = save_artifact(
        model, tmp_path, version="2025-01-31.1", metadata={"params": {"a": 1}}, key=KEY
    )
    return info


def test_round_trip_predicts_the_same_and_stamps_the_version(model, saved, tmp_path):
    loaded = load_artifact(
        tmp_path,
        saved.filename,
        saved.sha256,
        version="2025-01-31.1",
        signature=saved.signature,
        key=KEY,
    )
    before, after = model.predict(TITLE, DESCRIPTION), loaded.predict(TITLE, DESCRIPTION)
    assert after.top == before.top
    assert after.model_version == "2025-01-31.1"
    assert loaded.similar(TITLE, DESCRIPTION, top=5) == model.similar(TITLE, DESCRIPTION, top=5)


def test_file_is_named_by_version_hashed_and_complete(saved, tmp_path):
    assert saved.filename == "ticket_classifier-2025-01-31.1.joblib"
    assert saved.path == tmp_path / saved.filename
    data = saved.path.read_bytes()
    assert saved.sha256 == hashlib.sha256(data).hexdigest()
    assert saved.signature == artifact_signature(data, version="2025-01-31.1", key=KEY)
    assert saved.size == len(data)
    # The temporary file was renamed into place, nothing else left behind.
    assert [p.name for p in tmp_path.iterdir()] == [saved.filename]


def test_metadata_records_training_and_library_versions(saved, tmp_path):
    loaded = load_file(tmp_path, saved.filename, saved.sha256)
    metadata = loaded.metadata
    assert metadata["version"] == "2025-01-31.1"
    assert metadata["n_samples"] == 800
    # Recorded by training even though the caller did not pass them.
    assert metadata["metrics"]["n_test"] == 160
    assert metadata["dropped_classes"] == []
    assert metadata["classes"] == loaded.classes
    assert metadata["trained_at"].startswith("20")
    assert metadata["params"] == {"a": 1}
    assert set(metadata["libraries"]) == {"python", "sklearn", "numpy", "scipy", "joblib"}


def test_bytes_round_trip_for_database_storage(model):
    data = artifact_bytes(model, version="db1", metadata={})
    loaded = load_artifact_bytes(data, sha256_hex(data), **signed(data, "db1"))
    assert loaded.version == "db1"
    assert loaded.predict(TITLE, DESCRIPTION).top == model.predict(TITLE, DESCRIPTION).top
    view = memoryview(data)
    assert load_artifact_bytes(view, sha256_hex(data), **signed(data, "db1")).version == "db1"
    with pytest.raises(ArtifactError, match="does not match"):
        load_artifact_bytes(data, sha256_hex(data + b"x"), **signed(data, "db1"))
    with pytest.raises(ArtifactError, match="must be bytes"):
        load_artifact_bytes(None, sha256_hex(data), **signed(data, "db1"))


def test_sha256_mismatch_is_refused(saved, tmp_path):
    with pytest.raises(ArtifactError, match="does not match"):
        load_file(tmp_path, saved.filename, "0" * 64)


@pytest.mark.parametrize("expected", ["", "abc", "g" * 64, None])
def test_malformed_expected_digest_is_refused(saved, tmp_path, expected):
    with pytest.raises(ArtifactError, match="64 hexadecimal"):
        load_file(tmp_path, saved.filename, expected)


def test_corrupt_file_is_refused_even_with_its_own_digest(tmp_path):
    path = tmp_path / "ticket_classifier-bad.joblib"
    path.write_bytes(b"\x80\x04 certainly not a pickle")
    with pytest.raises(ArtifactError, match="cannot be read"):
        load_file(tmp_path, path.name, sha256_hex(path.read_bytes()))


def test_truncated_file_is_refused(saved, tmp_path):
    data = saved.path.read_bytes()[:5000]
    saved.path.write_bytes(data)
    with pytest.raises(ArtifactError, match="cannot be read"):
        load_file(tmp_path, saved.filename, sha256_hex(data))


def test_other_pickled_objects_are_refused(tmp_path):
    path = tmp_path / "ticket_classifier-other.joblib"
    joblib.dump({"format": 1, "model": "not a model", "metadata": {}}, path)
    with pytest.raises(ArtifactError, match="does not hold a ticket model"):
        load_file(tmp_path, path.name, sha256_hex(path.read_bytes()))
    joblib.dump([1, 2, 3], path)
    with pytest.raises(ArtifactError, match="known format"):
        load_file(tmp_path, path.name, sha256_hex(path.read_bytes()))


def test_missing_file_is_refused(tmp_path):
    with pytest.raises(ArtifactError, match="cannot be opened"):
        load_file(tmp_path, "ticket_classifier-gone.joblib", "0" * 64)


@pytest.mark.parametrize(
    "filename",
    [
        "../ticket_classifier-x.joblib",
        "sub/ticket_classifier-x.joblib",
        "/etc/passwd",
        "ticket_classifier-../../x.joblib",
        "ticket_classifier-..joblib",
        "ticket_classifier-x.joblib/..",
        "..\\ticket_classifier-x.joblib",
        "other.joblib",
        "",
    ],
)
def test_file_names_that_could_escape_the_directory_are_refused(saved, tmp_path, filename):
    with pytest.raises(ArtifactError, match="refusing"):
        load_artifact(
            tmp_path, filename, saved.sha256, version="x", signature=saved.signature, key=KEY
        )


@pytest.mark.parametrize("version", ["../x", "a/b", "", "..", ".hidden", "v 1"])
def test_unsafe_versions_are_refused_on_save(model, tmp_path, version):
    with pytest.raises(ArtifactError, match="unsafe model version"):
        save_artifact(model, tmp_path, version=version, metadata={}, key=KEY)
    assert list(tmp_path.iterdir()) == []


def test_bytes_written_as_a_cached_file_load_like_a_saved_one(model, tmp_path):
    data = artifact_bytes(model, version="db2", metadata={})
    path = write_artifact_file(tmp_path, "ticket_classifier-db2.joblib", data)

    assert path.read_bytes() == data
    assert [p.name for p in tmp_path.iterdir()] == [path.name]
    assert load_file(tmp_path, path.name, sha256_hex(data)).version == "db2"


@pytest.mark.parametrize("filename", ["../escape.joblib", "x.joblib", "/etc/abs.joblib"])
def test_a_cached_file_name_must_be_an_artefact_name(model, tmp_path, filename):
    with pytest.raises(ArtifactError):
        write_artifact_file(tmp_path, filename, b"data")
    assert list(tmp_path.iterdir()) == []
