"""Model artefacts are unpickled only when their HMAC-SHA256 signature verifies under
ML_SIGNING_KEY, which lives in the environment alone. Whoever can write the registry's rows,
the stored bytes, this host's cached copy or the cached active version (but not the key)
cannot make a process run their code: the artefact is refused, the refusal logged with its
version, and triage falls back to keywords. Trusted old artefacts are signed by an operator
with `manage.py sign_models`; every training path signs what it makes."""

import io
import json
import logging
import os
import shlex
from io import StringIO

import joblib
import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.management import CommandError, call_command

from ml.artifacts import artifact_filename, artifact_signature, sha256_hex
from tickets import services
from tickets.models import ClassifierArtifact, ClassifierModel, Ticket, TrainingJob
from tickets.triage import jobs, registry, tasks
from tickets.triage import services as triage_services
from tickets.triage.tests.helpers import (
    BILLING_TEXT,
    BILLING_TITLE,
    artifact_path,
    store_artifact,
    stored_artifact,
)

pytestmark = pytest.mark.django_db

REGISTRY_LOGGER = "tickets.triage.registry"
OTHER_KEY = "another-deployments-signing-key-0123456789-abcdef"


class _RunsAShell:
    """Unpickling this runs a shell command that writes a marker file: the attack."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.system, (f"echo pwned > {shlex.quote(self.marker)}",))


def malicious_artifact(marker) -> bytes:
    buffer = io.BytesIO()
    joblib.dump(_RunsAShell(marker), buffer)
    return buffer.getvalue()


def plant(version: str, data: bytes, *, signature: str = "") -> ClassifierModel:
    """An active registry row and its bytes, written straight to the database (as whoever has
    write access there could), with a correct SHA-256."""
    ClassifierModel.objects.filter(is_active=True).update(is_active=False)
    record = ClassifierModel.objects.create(
        version=version,
        n_samples=1,
        classes=["billing", "bug"],
        artifact=artifact_filename(version),
        sha256=sha256_hex(data),
        signature=signature,
        is_active=True,
    )
    ClassifierArtifact.objects.create(model=record, data=data)
    registry.active_version_clear()
    return record


def open_ticket(requester) -> Ticket:
    ticket = services.ticket_create(
        title=BILLING_TITLE, description=BILLING_TEXT, created_by=requester
    )
    return Ticket.objects.select_related("category").get(pk=ticket.pk)


def assert_keywords(ticket: Ticket) -> None:
    assert (ticket.classified_by, ticket.model_version) == ("keywords", "")
    assert ticket.category.slug == "billing"


def registry_errors(caplog) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == REGISTRY_LOGGER and r.levelno == logging.ERROR
    ]


def verifies(record: ClassifierModel, key: str) -> bool:
    expected = artifact_signature(stored_artifact(record), version=record.version, key=key)
    return record.signature == expected


def sign_models(*args) -> str:
    out = StringIO()
    call_command("sign_models", *args, stdout=out, stderr=out)
    return out.getvalue()


@pytest.fixture
def marker(tmp_path):
    return tmp_path / "pwned"


def test_the_malicious_artefact_does_run_code_when_unpickled(tmp_path):
    """The control: these bytes are a working attack, so their marker's absence below means
    they were never unpickled."""
    control = tmp_path / "control"

    joblib.load(io.BytesIO(malicious_artifact(control)))

    assert control.read_text().strip() == "pwned"


# Refused before unpickling


def test_an_unsigned_artefact_with_a_correct_sha256_is_never_unpickled(
    requester, catalogue, marker, caplog
):
    plant("evil-1", malicious_artifact(marker))

    with caplog.at_level(logging.ERROR, logger=REGISTRY_LOGGER):
        ticket = open_ticket(requester)

    assert not marker.exists()
    assert_keywords(ticket)
    [error] = registry_errors(caplog)
    assert "evil-1" in error and "not signed" in error
    assert "sign_models --model evil-1" in error


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(
            lambda data: artifact_signature(data, version="evil-2", key=OTHER_KEY),
            id="signed-under-another-key",
        ),
        pytest.param(lambda data: sha256_hex(data), id="its-sha256-as-signature"),
        pytest.param(
            lambda data: artifact_signature(
                data, version="other-version", key=django_settings.ML_SIGNING_KEY
            ),
            id="this-key-but-another-version",
        ),
    ],
)
def test_an_artefact_with_a_wrong_signature_is_never_unpickled(
    requester, catalogue, marker, caplog, forge
):
    data = malicious_artifact(marker)
    plant("evil-2", data, signature=forge(data))

    with caplog.at_level(logging.ERROR, logger=REGISTRY_LOGGER):
        ticket = open_ticket(requester)

    assert not marker.exists()
    assert_keywords(ticket)
    [error] = registry_errors(caplog)
    assert "evil-2" in error and "does not verify" in error


def test_a_real_models_signature_does_not_vouch_for_other_bytes(
    requester, trained_model, marker, caplog
):
    """Rows and bytes rewritten in the database, the signature copied from the real model."""
    data = malicious_artifact(marker)
    ClassifierModel.objects.filter(pk=trained_model.pk).update(sha256=sha256_hex(data))
    store_artifact(trained_model, data)

    with caplog.at_level(logging.ERROR, logger=REGISTRY_LOGGER):
        ticket = open_ticket(requester)

    assert not marker.exists()
    assert_keywords(ticket)
    [error] = registry_errors(caplog)
    assert trained_model.version in error and "does not verify" in error


def test_a_tampered_cached_copy_is_never_unpickled(requester, trained_model, marker, caplog):
    """This host's cached file swapped and the recorded SHA-256 changed to match it: the file
    is refused, and the database's bytes (no longer matching that digest) are refused too."""
    data = malicious_artifact(marker)
    artifact_path(trained_model).write_bytes(data)
    ClassifierModel.objects.filter(pk=trained_model.pk).update(sha256=sha256_hex(data))
    registry.active_version_clear()

    with caplog.at_level(logging.WARNING, logger=REGISTRY_LOGGER):
        ticket = open_ticket(requester)

    assert not marker.exists()
    assert_keywords(ticket)
    assert any("does not verify" in r.getMessage() for r in caplog.records)


def test_a_forged_active_version_in_the_cache_is_never_unpickled(
    requester, trained_model, marker, caplog
):
    """The cached active version (Redis in production) names a planted file, with its digest
    and the real model's signature."""
    data = malicious_artifact(marker)
    filename = artifact_filename("planted")
    artifact_path(trained_model).with_name(filename).write_bytes(data)
    forged = ["planted", filename, sha256_hex(data), trained_model.signature]
    cache.set(registry.VERSION_CACHE_KEY, forged, 60)

    with caplog.at_level(logging.ERROR, logger=REGISTRY_LOGGER):
        ticket = open_ticket(requester)

    assert not marker.exists()
    assert_keywords(ticket)
    assert registry_errors(caplog)


# Signed models load; the key decides


def test_a_signed_model_loads_and_its_key_is_stored_nowhere(settings, requester, trained_model):
    ticket = open_ticket(requester)

    assert (ticket.classified_by, ticket.model_version) == ("model", trained_model.version)
    assert verifies(trained_model, settings.ML_SIGNING_KEY)
    key = settings.ML_SIGNING_KEY
    row = ClassifierModel.objects.filter(pk=trained_model.pk).values().get()
    assert key not in json.dumps(row, default=str)
    assert key.encode() not in stored_artifact(trained_model)
    assert key not in json.dumps(cache.get(registry.VERSION_CACHE_KEY))


def test_a_model_signed_under_another_key_is_refused(settings, requester, trained_model, caplog):
    trained_key = settings.ML_SIGNING_KEY
    settings.ML_SIGNING_KEY = OTHER_KEY
    settings.ML_RETRY_SECONDS = 0

    with caplog.at_level(logging.ERROR, logger=REGISTRY_LOGGER):
        assert_keywords(open_ticket(requester))
    [error] = registry_errors(caplog)
    assert trained_model.version in error and "does not verify" in error

    settings.ML_SIGNING_KEY = trained_key

    assert open_ticket(requester).classified_by == "model"


# Every training path signs


def _train_with_the_command():
    out = StringIO()
    call_command("train", "--json", stdout=out)
    return ClassifierModel.objects.get(version=json.loads(out.getvalue())["version"])


def _train_in_a_job():
    job = TrainingJob.objects.create(params={"activate": True})
    jobs.training_job_run(job_id=job.pk)
    job.refresh_from_db()
    return job.model


def _train_in_the_scheduled_task():
    tasks.retrain_model()  # the Celery task's body, as the worker runs it
    return ClassifierModel.objects.order_by("-trained_at", "-id").first()


@pytest.mark.parametrize(
    "train",
    [
        pytest.param(lambda: triage_services.model_train(), id="service"),
        pytest.param(_train_with_the_command, id="manage.py-train"),
        pytest.param(_train_in_a_job, id="training-job"),
        pytest.param(_train_in_the_scheduled_task, id="celery-task"),
    ],
)
def test_every_training_path_signs_its_artefact(settings, history, train):
    record = train()

    assert record is not None and len(record.signature) == 64
    assert verifies(record, settings.ML_SIGNING_KEY)
    assert not verifies(record, OTHER_KEY)


# manage.py sign_models


def test_an_operator_signs_a_trusted_unsigned_model_and_processes_load_it(
    settings, requester, trained_model
):
    """A model trained before signing (migration 0006 leaves its signature blank)."""
    ClassifierModel.objects.filter(pk=trained_model.pk).update(signature="")
    registry.active_version_clear()
    settings.ML_RETRY_SECONDS = 0
    assert_keywords(open_ticket(requester))

    output = sign_models("--model", trained_model.version)

    assert "Sign only artefacts you trust" in output
    assert f"signed     {trained_model.version} (active)" in output
    trained_model.refresh_from_db()
    assert verifies(trained_model, settings.ML_SIGNING_KEY)
    ticket = open_ticket(requester)
    assert (ticket.classified_by, ticket.model_version) == ("model", trained_model.version)


def test_sign_all_after_a_key_change_re_signs_and_leaves_valid_ones(
    settings, trained_model, second_model
):
    settings.ML_SIGNING_KEY = OTHER_KEY
    ClassifierModel.objects.filter(pk=second_model.pk).update(
        signature=artifact_signature(
            stored_artifact(second_model), version=second_model.version, key=OTHER_KEY
        )
    )

    output = sign_models("--all")

    assert f"re-signed  {trained_model.version} (active)" in output
    assert f"unchanged  {second_model.version}" in output
    for record in ClassifierModel.objects.all():
        assert verifies(record, OTHER_KEY)


def test_sign_models_refuses_bytes_that_do_not_match_their_digest(trained_model):
    store_artifact(trained_model, b"damaged")
    ClassifierModel.objects.filter(pk=trained_model.pk).update(signature="")

    with pytest.raises(CommandError, match="1 model"):
        sign_models("--all")

    assert ClassifierModel.objects.get(pk=trained_model.pk).signature == ""


def test_sign_models_needs_a_known_version_or_all(trained_model):
    with pytest.raises(CommandError, match="No model of version nope"):
        sign_models("--model", "nope", "--model", trained_model.version)
    with pytest.raises(CommandError):
        sign_models()
    with pytest.raises(CommandError):
        sign_models("--all", "--model", trained_model.version)


def test_sign_models_never_unpickles_what_it_signs(settings, catalogue, marker):
    """It vouches for bytes, it does not read them as a model: why only trusted ones."""
    record = plant("unknown-origin", malicious_artifact(marker))

    sign_models("--model", "unknown-origin")

    assert not marker.exists()
    record.refresh_from_db()
    assert verifies(record, settings.ML_SIGNING_KEY)


def test_the_help_says_to_sign_only_trusted_artefacts():
    from tickets.management.commands.sign_models import Command

    assert "Sign only artefacts you trust" in Command.help
