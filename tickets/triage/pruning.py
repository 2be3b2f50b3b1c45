"""Model artefacts do not pile up: the bytes of the active model and of the newest
ML_KEEP_ARTIFACTS models are kept, older ones are deleted from the database
(ClassifierArtifact) and from each host's cache directory (ML_ARTIFACT_DIR). Every
ClassifierModel row stays: its version, metrics and history outlive its bytes, and such a
model can no longer be activated (model_activate answers 409).

Run by `manage.py prune_models` and after every training (model_train). A host prunes its own
cache directory when it does either, and whenever it loads a newly active model
(tickets/triage/registry.py), so web hosts that never train are kept in check too.
"""

import logging
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction

from tickets.models import ClassifierArtifact, ClassifierModel

logger = logging.getLogger(__name__)


@dataclass
class PruneReport:
    """Versions whose bytes were deleted from the database now, and cached files removed."""

    pruned: list[str] = field(default_factory=list)
    files_removed: list[str] = field(default_factory=list)


def keep_count(keep: int | None = None) -> int:
    """How many of the newest models keep their bytes (ML_KEEP_ARTIFACTS unless given)."""
    keep = settings.ML_KEEP_ARTIFACTS if keep is None else keep
    if keep < 1:
        raise ValueError("At least the newest model keeps its artefact: keep must be >= 1.")
    return keep


def artifacts_prune(*, keep: int | None = None) -> PruneReport:
    """Delete the stored bytes of every model but the active one and the newest `keep`, then
    prune this host's cache directory. Returns what was removed."""
    keep = keep_count(keep)
    newest = ClassifierModel.objects.order_by("-trained_at", "-id").values("pk")[:keep]
    with transaction.atomic():
        # One statement decides and locks: a model trained meanwhile is among the newest, and
        # an activation of one of these rows waits for this transaction, then finds no bytes.
        doomed = list(
            ClassifierModel.objects.select_for_update(of=("self",))
            .filter(is_active=False, blob__isnull=False)
            .exclude(pk__in=newest)
            .order_by("trained_at", "id")
            .values_list("pk", "version")
        )
        if doomed:
            ClassifierArtifact.objects.filter(model_id__in=[pk for pk, _ in doomed]).delete()
    report = PruneReport(pruned=[version for _, version in doomed])
    if report.pruned:
        logger.info("model artefacts pruned: %s", ", ".join(report.pruned))
    report.files_removed = artifact_cache_prune()
    return report


def artifact_cache_prune(directory: Path | None = None) -> list[str]:
    """Remove from this host's cache directory the copies of models whose bytes are no longer
    stored (pruned): a copy is only ever loaded for a model that still has them."""
    directory = Path(settings.ML_ARTIFACT_DIR if directory is None else directory)
    if not directory.is_dir():
        return []
    gone = ClassifierModel.objects.filter(blob__isnull=True).values_list("artifact", flat=True)
    removed = []
    for name in gone.iterator():
        path = directory / name
        if path.parent != directory:  # a name that is not a plain file name: not ours
            continue
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        except OSError as error:
            logger.warning("cached artefact %s not removed: %s", path, error)
            continue
        removed.append(name)
    if removed:
        logger.info("cached artefacts removed from %s: %s", directory, ", ".join(removed))
    return removed


def model_has_artifact(record: ClassifierModel) -> bool:
    """Whether the model's bytes are still stored (annotated by
    tickets.selectors.classifier_model_list, else asked)."""
    annotated = getattr(record, "has_artifact", None)
    if annotated is not None:
        return annotated
    return ClassifierArtifact.objects.filter(model_id=record.pk).exists()
