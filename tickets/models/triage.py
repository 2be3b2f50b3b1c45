"""The registry of trained classifiers, their artefacts and the training jobs."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class ModelGate(models.TextChoices):
    """The promotion gate's verdict on a newly trained model (tickets/triage/gate.py)."""

    FIRST = "first", "Activated: no model was active"
    PASSED = "passed", "Activated: not worse than the active model"
    REJECTED = "rejected", "Kept inactive: worse than the active model"
    NOT_GATED = "", "Not gated (registered without activation, or trained before the gate)"


class ClassifierModel(models.Model):
    """The registry of trained models: one row per training, at most one active.

    The artefact's bytes live in the database (ClassifierArtifact), so every host reaches
    them; each process keeps a copy in its own settings.ML_ARTIFACT_DIR as a cache. Either
    copy is unpickled only when its sha256 matches the one recorded here at training time and
    its HMAC signature verifies under settings.ML_SIGNING_KEY (ml/artifacts.py).
    """

    version = models.CharField(max_length=64, unique=True)
    trained_at = models.DateTimeField(default=timezone.now)
    trained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    n_samples = models.PositiveIntegerField()
    classes = models.JSONField(default=list)
    metrics = models.JSONField(default=dict)
    params = models.JSONField(default=dict, blank=True)
    artifact = models.CharField(
        max_length=255, help_text="File name of the local cached copy inside ML_ARTIFACT_DIR."
    )
    sha256 = models.CharField(max_length=64)
    # A column beside the bytes rather than a sidecar file: every host must read it, and it is
    # no secret (worthless without ML_SIGNING_KEY, which never enters the database or cache).
    signature = models.CharField(
        max_length=64,
        blank=True,
        default="",
        help_text="HMAC-SHA256 of the artefact under ML_SIGNING_KEY (blank: unsigned, not loaded).",
    )
    size_bytes = models.BigIntegerField(default=0)
    training_seconds = models.FloatField(default=0.0)
    is_active = models.BooleanField(default=False)
    # The gate's verdict when it was trained; staff may still activate a rejected model.
    gate = models.CharField(max_length=16, choices=ModelGate.choices, blank=True, default="")
    # Both macro-F1 scores on the same held-out rows, the tolerance and the active version.
    gate_scores = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-trained_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"],
                condition=models.Q(is_active=True),
                name="classifier_one_active",
            )
        ]

    def __str__(self) -> str:
        return f"{self.version}{' (active)' if self.is_active else ''}"


class ClassifierArtifact(models.Model):
    """The bytes of a trained model's artefact, shared by every host through the database.

    A table of its own so that listing models never drags the blobs along.
    """

    model = models.OneToOneField(
        ClassifierModel, on_delete=models.CASCADE, primary_key=True, related_name="blob"
    )
    data = models.BinaryField()

    def __str__(self) -> str:
        return f"artefact of {self.model_id}"


class TrainingJobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class TrainingJob(models.Model):
    """A training run queued for a Celery worker; its status is visible from every host."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    status = models.CharField(
        max_length=16, choices=TrainingJobStatus.choices, default=TrainingJobStatus.QUEUED
    )
    params = models.JSONField(default=dict)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    model = models.ForeignKey(
        ClassifierModel, on_delete=models.SET_NULL, null=True, blank=True, related_name="jobs"
    )
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"training job {self.id} ({self.status})"
