"""Tickets, their categories and their append-only audit trail."""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from agents.models import Department


class TicketStatus(models.TextChoices):
    OPEN = "OPEN", "Open"
    IN_PROGRESS = "IN_PROGRESS", "In progress"
    RESOLVED = "RESOLVED", "Resolved"
    CLOSED = "CLOSED", "Closed"


# Statuses that count towards an agent's load.
OPEN_STATUSES = (TicketStatus.OPEN, TicketStatus.IN_PROGRESS)

# The workflow: from each status, where a ticket may go next.
ALLOWED_TRANSITIONS: dict[str, tuple[str, ...]] = {
    TicketStatus.OPEN: (TicketStatus.IN_PROGRESS, TicketStatus.RESOLVED, TicketStatus.CLOSED),
    TicketStatus.IN_PROGRESS: (TicketStatus.OPEN, TicketStatus.RESOLVED, TicketStatus.CLOSED),
    TicketStatus.RESOLVED: (TicketStatus.CLOSED, TicketStatus.OPEN),
    TicketStatus.CLOSED: (TicketStatus.OPEN,),
}


class Priority(models.IntegerChoices):
    """Stored as numbers so that ordering by priority means ordering by urgency."""

    LOW = 10, "Low"
    MEDIUM = 20, "Medium"
    HIGH = 30, "High"
    URGENT = 40, "Urgent"


class ClassifiedBy(models.TextChoices):
    KEYWORDS = "keywords", "Keyword rules"
    MODEL = "model", "Trained model"
    MANUAL = "manual", "Manual"
    NONE = "none", "Not classified"


class Category(models.Model):
    """What a ticket is about; each category belongs to the department that handles it."""

    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="categories")
    keywords = models.JSONField(
        default=list,
        blank=True,
        help_text="Words and phrases in any language; matching ignores case and accents.",
    )

    class Meta:
        ordering = ["slug"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class Ticket(models.Model):
    title = models.CharField(max_length=200)
    description = models.TextField(max_length=20_000)
    status = models.CharField(
        max_length=16, choices=TicketStatus.choices, default=TicketStatus.OPEN
    )
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.MEDIUM)
    category = models.ForeignKey(
        Category, on_delete=models.SET_NULL, null=True, blank=True, related_name="tickets"
    )
    department = models.ForeignKey(
        Department, on_delete=models.SET_NULL, null=True, blank=True, related_name="tickets"
    )
    # Deleting a user never deletes the tickets they opened or worked.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="created_tickets",
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_tickets",
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    resolved_at = models.DateTimeField(null=True, blank=True, db_index=True)
    classified_by = models.CharField(
        max_length=16, choices=ClassifiedBy.choices, default=ClassifiedBy.NONE
    )
    confidence = models.FloatField(
        null=True,
        blank=True,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
    )
    model_version = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["assigned_to", "status"], name="ticket_load_idx"),
            models.Index(fields=["department", "status"], name="ticket_dept_status_idx"),
            models.Index(fields=["status", "created_at"], name="ticket_status_created_idx"),
            models.Index(fields=["category", "created_at"], name="ticket_cat_created_idx"),
            models.Index(fields=["priority", "created_at"], name="ticket_prio_created_idx"),
            models.Index(fields=["updated_at"], name="ticket_updated_idx"),
            # Analytics (tickets/analytics): every column a figure reads is in the key, so
            # the windows and the backlog are answered from the index alone.
            models.Index(
                fields=["created_at", "category", "department", "assigned_to"],
                name="ticket_created_cover_idx",
            ),
            models.Index(
                fields=[
                    "resolved_at",
                    "created_at",
                    "category",
                    "department",
                    "assigned_to",
                    "priority",
                ],
                condition=models.Q(resolved_at__isnull=False),
                name="ticket_resolved_cover_idx",
            ),
            models.Index(
                fields=["department", "category", "priority", "created_at", "assigned_to"],
                condition=models.Q(status__in=["OPEN", "IN_PROGRESS"]),
                name="ticket_open_backlog_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(confidence__isnull=True)
                | models.Q(confidence__gte=0.0, confidence__lte=1.0),
                name="ticket_confidence_0_1",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    def save(self, *args, **kwargs):
        self.sync_resolved_at()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "status" in update_fields:
            kwargs["update_fields"] = {*update_fields, "resolved_at", "updated_at"}
        super().save(*args, **kwargs)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def sync_resolved_at(self) -> None:
        """Keep resolved_at consistent with status, whatever path changed the status.

        Set when the ticket becomes RESOLVED, kept when it moves on to CLOSED,
        cleared when it is reopened.
        """
        if self.status == TicketStatus.RESOLVED and self.resolved_at is None:
            self.resolved_at = timezone.now()
        elif self.status in OPEN_STATUSES:
            self.resolved_at = None


class EventKind(models.TextChoices):
    CREATED = "created", "Created"
    CLASSIFIED = "classified", "Classified"
    ASSIGNED = "assigned", "Assigned"
    REASSIGNED = "reassigned", "Reassigned"
    UNASSIGNED = "unassigned", "Unassigned"
    STATUS_CHANGED = "status_changed", "Status changed"
    CATEGORY_CHANGED = "category_changed", "Category changed"
    PRIORITY_CHANGED = "priority_changed", "Priority changed"
    UPDATED = "updated", "Text updated"


class TicketEvent(models.Model):
    """Append-only audit row, written in the same transaction as the change it records."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=32, choices=EventKind.choices)
    # Empty actor: the system did it (routing, classification).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="event_ticket_time_idx")]

    def __str__(self) -> str:
        return f"{self.kind} on ticket {self.ticket_id}"


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
