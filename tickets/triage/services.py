"""Training, signing, activating and pruning models: the write path of the ML features.
Applying the model to a ticket is a ticket change: tickets.services.ticket_predict."""

import logging
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from config.api.exceptions import ConflictError, DomainError
from ml.artifacts import (
    ArtifactError,
    artifact_bytes,
    artifact_filename,
    artifact_signature,
    sha256_hex,
    write_artifact_file,
)
from ml.evaluate import compare_with_seed as compare_on_one_split
from ml.params import DEFAULT_TRAINING
from ml.text import join_ticket_text
from ml.training import TrainingError, train_classifier
from tickets.models import (
    MODEL_ACTIVATED,
    ClassifierArtifact,
    ClassifierModel,
    Ticket,
    TrainingJob,
    TrainingJobStatus,
)
from tickets.outbox.recording import outbox_record
from tickets.triage.pruning import artifacts_prune
from tickets.triage.registry import active_version_clear, active_version_publish

logger = logging.getLogger(__name__)

DEFAULT_MIN_PER_CLASS = DEFAULT_TRAINING.min_per_class


class TrainingJobAbandoned(Exception):
    """The job stopped running while its model trained (the sweeper marked it failed): its
    result is not recorded, let alone activated."""


def training_rows() -> tuple[list[int], list[str], list[str]]:
    """(ids, texts, labels) of every categorised ticket, streamed from the database."""
    ids, texts, labels = [], [], []
    rows = (
        Ticket.objects.filter(category__isnull=False)
        .order_by("pk")
        .values_list("pk", "title", "description", "category__slug")
    )
    for pk, title, description, slug in rows.iterator(chunk_size=5000):
        ids.append(pk)
        texts.append(join_ticket_text(title, description))
        labels.append(slug)
    return ids, texts, labels


def _new_version() -> str:
    return f"{timezone.now():%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"


def model_train(
    *,
    test_size: float = DEFAULT_TRAINING.test_size,
    min_per_class: int = DEFAULT_TRAINING.min_per_class,
    seed: int = DEFAULT_TRAINING.seed,
    actor=None,
    activate: bool = True,
    job: TrainingJob | None = None,
) -> ClassifierModel:
    """Train on the categorised tickets, evaluate on a held-out split, store the artefact in
    the database, register and (by default) activate the new model; a training ``job`` is
    marked succeeded in the same transaction, provided it is still running (else
    TrainingJobAbandoned, and nothing is recorded). Refuses with a DomainError when the data
    cannot support a model (fewer than 2 categories, too few rows)."""
    ids, texts, labels = training_rows()
    try:
        result = train_classifier(
            texts, labels, test_size=test_size, seed=seed, min_per_class=min_per_class, ids=ids
        )
    except TrainingError as error:
        raise DomainError(str(error), field="training") from None
    version = _new_version()
    params = {"test_size": test_size, "min_per_class": min_per_class, "seed": seed}
    data = artifact_bytes(
        result.model,
        version=version,
        metadata={"params": params, "dropped_classes": result.dropped_classes},
    )
    filename = artifact_filename(version)
    with transaction.atomic():
        if job is not None:
            _training_job_lock_running(job=job)
        record = ClassifierModel.objects.create(
            version=version,
            trained_by=actor if getattr(actor, "is_authenticated", False) else None,
            n_samples=result.n_samples,
            classes=list(result.classes),
            metrics=result.metrics,
            params={**params, "dropped_classes": result.dropped_classes},
            artifact=filename,
            sha256=sha256_hex(data),
            # Signed here, in the process that made the bytes, under the environment's key.
            signature=artifact_signature(data, version=version, key=settings.ML_SIGNING_KEY),
            size_bytes=len(data),
            training_seconds=result.training_seconds,
        )
        ClassifierArtifact.objects.create(model=record, data=data)
        if activate:
            model_activate(record=record)
        if job is not None:
            training_job_finish(job=job, record=record)
    _cache_locally(filename, data)
    _prune_after_training()
    logger.info(
        "model %s trained on %s tickets in %.1fs: macro-F1 %.3f",
        version,
        result.n_samples,
        result.training_seconds,
        result.metrics.get("macro_f1", 0.0),
    )
    return record


def _prune_after_training() -> None:
    """Older models' artefacts go (ML_KEEP_ARTIFACTS); the training stands either way."""
    try:
        artifacts_prune()
    except Exception as error:  # noqa: BLE001 - a failed clean-up must not fail the training
        logger.warning("model artefacts not pruned after training: %s", error)


def _cache_locally(filename: str, data: bytes) -> None:
    """This host's copy, so that its next load skips the database; optional by design."""
    try:
        write_artifact_file(settings.ML_ARTIFACT_DIR, filename, data)
    except (OSError, ArtifactError) as error:
        logger.warning("artefact %s not cached locally: %s", filename, error)


def model_artifact_sign(*, record: ClassifierModel) -> str:
    """Sign a stored artefact under ML_SIGNING_KEY, vouching for its bytes, so that processes
    load it: for artefacts trained before signing (or under a key since replaced) by an
    operator who trusts them (`manage.py sign_models`). Nothing is unpickled. Returns how it
    went: "signed", "re-signed" (its signature did not verify under this key) or "unchanged";
    refuses with a DomainError when the bytes are missing or do not match the recorded
    SHA-256 (damaged or swapped: nothing to vouch for)."""
    with transaction.atomic():
        record = ClassifierModel.objects.select_for_update().get(pk=record.pk)
        data = (
            ClassifierArtifact.objects.filter(model=record).values_list("data", flat=True).first()
        )
        if data is None:
            raise DomainError(f"model {record.version}: no artefact stored", field="artifact")
        data = bytes(data)
        if sha256_hex(data) != record.sha256.lower():
            raise DomainError(
                f"model {record.version}: the stored bytes do not match the recorded SHA-256",
                field="artifact",
            )
        try:
            signature = artifact_signature(
                data, version=record.version, key=settings.ML_SIGNING_KEY
            )
        except ArtifactError as error:
            raise DomainError(f"model {record.version}: {error}", field="artifact") from None
        if record.signature == signature:
            return "unchanged"
        outcome = "re-signed" if record.signature else "signed"
        record.signature = signature
        record.save(update_fields=["signature"])
        if record.is_active:  # the active row, signature included, is cached: refresh it
            active_version_clear()
            transaction.on_commit(active_version_publish)
    logger.warning("model %s artefact %s by an operator", record.version, outcome)
    return outcome


def model_activate(*, record: ClassifierModel) -> ClassifierModel:
    """Make this model the one every process uses from its next request on. A model whose
    artefact was pruned (tickets/triage/pruning.py) cannot be: ConflictError (409)."""
    with transaction.atomic():
        # Locked first: a prune deleting this model's bytes meanwhile finishes before.
        list(ClassifierModel.objects.select_for_update().filter(pk=record.pk).values_list("pk"))
        if not ClassifierArtifact.objects.filter(model_id=record.pk).exists():
            raise ConflictError(
                f"Model {record.version} cannot be activated: its artefact was pruned (only "
                "the active model and the newest ML_KEEP_ARTIFACTS keep theirs). Train a new "
                "model.",
                field="model",
            )
        ClassifierModel.objects.select_for_update().filter(is_active=True).exclude(
            pk=record.pk
        ).update(is_active=False)
        record.is_active = True
        record.save(update_fields=["is_active"])
        outbox_record(
            kind=MODEL_ACTIVATED, model=record.pk, version=record.version, metrics=record.metrics
        )
        # Cleared now (a check meanwhile asks the database), written once committed (so a
        # process that read the old row just before cannot put it back in the cache).
        active_version_clear()
        transaction.on_commit(active_version_publish)
    return record


def _training_job_lock_running(*, job: TrainingJob) -> None:
    """Lock the job's row until the transaction recording its result ends, so the sweeper
    (training_jobs_fail_stale) cannot fail it meanwhile; refuse when it already did."""
    status = (
        TrainingJob.objects.select_for_update()
        .filter(pk=job.pk)
        .values_list("status", flat=True)
        .first()
    )
    if status != TrainingJobStatus.RUNNING:
        raise TrainingJobAbandoned(
            f"training job {job.pk} is {status or 'gone'}, no longer running"
        )


def training_job_finish(*, job: TrainingJob, record: ClassifierModel) -> None:
    """Mark a job succeeded with the model it produced (inside model_train's transaction,
    after _training_job_lock_running)."""
    TrainingJob.objects.filter(pk=job.pk).update(
        status=TrainingJobStatus.SUCCEEDED, model=record, finished_at=timezone.now(), error=""
    )


def compare_with_seed(*, test_size: float, min_per_class: int, seed: int) -> dict:
    """Score the seed configuration and ours on one held-out split of the database's tickets."""
    _ids, texts, labels = training_rows()
    counts: dict[str, int] = {}
    for label in labels:
        counts[label] = counts.get(label, 0) + 1
    kept = [i for i, label in enumerate(labels) if counts[label] >= min_per_class]
    return compare_on_one_split(
        [texts[i] for i in kept], [labels[i] for i in kept], test_size=test_size, seed=seed
    )
