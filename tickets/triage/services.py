"""Training, activating and applying the trained model: the write path of the ML features."""

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
    sha256_hex,
    write_artifact_file,
)
from ml.evaluate import compare_with_seed as compare_on_one_split
from ml.text import join_ticket_text
from ml.training import TrainingError, train_classifier
from ml.types import SOURCE_MODEL, Prediction
from tickets.events import event_record
from tickets.models import (
    Category,
    ClassifierArtifact,
    ClassifierModel,
    EventKind,
    Ticket,
    TrainingJob,
    TrainingJobStatus,
)
from tickets.routing import agent_department_id, departments_lock, ticket_route
from tickets.triage.pruning import artifacts_prune
from tickets.triage.registry import active_model, active_version_clear, active_version_publish

logger = logging.getLogger(__name__)

DEFAULT_MIN_PER_CLASS = 5


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
    test_size: float = 0.2,
    min_per_class: int = DEFAULT_MIN_PER_CLASS,
    seed: int = 42,
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


def ticket_predict(*, ticket: Ticket, actor, reroute: bool = False) -> tuple[Ticket, Prediction]:
    """Classify a ticket with the active model and write the category (and its department)
    to it, recorded as classified_by=model with an event; optionally route it again."""
    model = active_model()
    if model is None:
        raise ConflictError(
            "No trained model is active. Train one with POST /api/ml/train/ "
            "or `python manage.py train`.",
            field="model",
        )
    prediction = model.predict(ticket.title, ticket.description)
    category = Category.objects.select_related("department").filter(slug=prediction.label).first()
    if category is None:
        raise ConflictError(
            f"The model predicted '{prediction.label}', which is no longer a category.",
            field="category",
        )
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update(of=("self",)).get(pk=ticket.pk)
        before = {
            "category": ticket.category.slug if ticket.category else None,
            "department": ticket.department.slug if ticket.department else None,
            "classified_by": ticket.classified_by,
        }
        ticket.category = category
        ticket.department_id = category.department_id
        ticket.classified_by = SOURCE_MODEL
        ticket.confidence = prediction.confidence
        ticket.model_version = prediction.model_version
        ticket.save(
            update_fields=[
                "category",
                "department",
                "classified_by",
                "confidence",
                "model_version",
                "updated_at",
            ]
        )
        event_record(
            ticket=ticket,
            kind=EventKind.CLASSIFIED,
            actor=actor,
            before=before,
            after={"category": category.slug, "department": category.department.slug},
            classified_by=SOURCE_MODEL,
            confidence=prediction.confidence,
            model_version=prediction.model_version,
            top=[[label, p] for label, p in prediction.top],
        )
        if reroute and ticket.is_open:
            departments_lock([ticket.department_id, agent_department_id(ticket.assigned_to_id)])
            ticket_route(ticket=ticket, actor=actor)
    return ticket, prediction


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
