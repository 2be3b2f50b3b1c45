"""Tickets: their statuses, priorities and workflow."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from agents.models import Department
from tickets.models.category import Category


class TicketStatus(models.TextChoices):
    OPEN = "OPEN", "Open"
    IN_PROGRESS = "IN_PROGRESS", "In progress"
    # Waiting on the requester: still assigned, but not in the agent's routing load.
    PENDING = "PENDING", "Pending (waiting on the requester)"
    RESOLVED = "RESOLVED", "Resolved"
    CLOSED = "CLOSED", "Closed"


# Statuses that count towards an agent's load: the tickets an agent can act on now.
OPEN_STATUSES = (TicketStatus.OPEN, TicketStatus.IN_PROGRESS)
# Statuses of a ticket not yet resolved (the load's, and waiting on the requester).
UNRESOLVED_STATUSES = (*OPEN_STATUSES, TicketStatus.PENDING)

# The workflow: from each status, where a ticket may go next.
ALLOWED_TRANSITIONS: dict[str, tuple[str, ...]] = {
    TicketStatus.OPEN: (
        TicketStatus.IN_PROGRESS,
        TicketStatus.PENDING,
        TicketStatus.RESOLVED,
        TicketStatus.CLOSED,
    ),
    TicketStatus.IN_PROGRESS: (
        TicketStatus.OPEN,
        TicketStatus.PENDING,
        TicketStatus.RESOLVED,
        TicketStatus.CLOSED,
    ),
    TicketStatus.PENDING: (
        TicketStatus.OPEN,
        TicketStatus.IN_PROGRESS,
        TicketStatus.RESOLVED,
        TicketStatus.CLOSED,
    ),
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


# The columns the service-level figures group by (tickets/analytics/sla.py).
SLA_GROUPED = ["priority", "department", "assigned_to"]


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
    # The first public reply by an agent or staff (tickets/conversation/); set once.
    first_response_at = models.DateTimeField(null=True, blank=True)
    # Service levels (tickets/sla/, docs/sla.md): the policy that set the instants below, which
    # the lists filter and order on (no business-time arithmetic in SQL). Null: no policy.
    sla_policy = models.ForeignKey(
        "tickets.SlaPolicy", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    first_response_due = models.DateTimeField(null=True, blank=True)
    first_response_risk_at = models.DateTimeField(null=True, blank=True)
    resolution_due = models.DateTimeField(null=True, blank=True)
    resolution_risk_at = models.DateTimeField(null=True, blank=True)
    # The clock runs only while OPEN or IN_PROGRESS: stopped since (PENDING, RESOLVED,
    # CLOSED), and the stops that ended, in order ([start, end] ISO instants, kept with or
    # without a policy): each pushes out only the instants the clock had not reached when it
    # began (tickets/sla/clock.py).
    sla_paused_at = models.DateTimeField(null=True, blank=True)
    sla_pauses = models.JSONField(default=list, blank=True)
    # Which sla_warning / sla_breached events were recorded (bits, tickets/sla/clock.py), and
    # the next instant the sweep must look at the ticket (null: nothing left to record).
    sla_recorded = models.PositiveSmallIntegerField(default=0)
    sla_check_at = models.DateTimeField(null=True, blank=True)
    classified_by = models.CharField(
        max_length=16, choices=ClassifiedBy.choices, default=ClassifiedBy.NONE
    )
    confidence = models.FloatField(
        null=True,
        blank=True,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
    )
    model_version = models.CharField(max_length=64, blank=True, default="")
    # Imported history the file gave no date for, stamped at import time: it trains the model
    # and shows in lists, but every analytics figure leaves it out (tickets/importing.py).
    is_undated_history = models.BooleanField(
        "undated history",
        default=False,
        help_text="Imported without its dates (stamped at import): left out of the analytics.",
    )

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
            # the windows and the backlog are answered from the index alone; undated history,
            # which no figure counts, is left out of them.
            models.Index(
                fields=["created_at", "category", "department", "assigned_to"],
                condition=models.Q(is_undated_history=False),
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
                condition=models.Q(resolved_at__isnull=False, is_undated_history=False),
                name="ticket_resolved_cover_idx",
            ),
            # Time to first response: the answered tickets by created_at, with every column
            # the figures read. A ticket enters it once, when first answered (never at creation).
            models.Index(
                fields=[
                    "created_at",
                    "first_response_at",
                    "priority",
                    "category",
                    "department",
                    "assigned_to",
                ],
                condition=models.Q(first_response_at__isnull=False, is_undated_history=False),
                name="ticket_first_response_idx",
            ),
            # The backlog: the open tickets and, counted apart, those waiting on the requester.
            # It also holds their SLA instants, so that the tickets at risk now are counted and
            # found from it alone (tickets/analytics/sla.py).
            models.Index(
                fields=[
                    "department",
                    "category",
                    "priority",
                    "created_at",
                    "assigned_to",
                    "status",
                ],
                include=[
                    "id",
                    "first_response_at",
                    "first_response_due",
                    "first_response_risk_at",
                    "resolution_due",
                    "resolution_risk_at",
                    "sla_paused_at",
                ],
                condition=models.Q(
                    status__in=["OPEN", "IN_PROGRESS", "PENDING"], is_undated_history=False
                ),
                name="ticket_backlog_idx",
            ),
            # Service levels: the sweep reads only the tickets it must look at; the queues order
            # by the due instants. Tickets without a policy are in none of them. The due
            # indexes and the two after them also cover the compliance figures (one range of
            # one index per verdict, tickets/analytics/sla.py): every column those read is in
            # them (INCLUDE, PostgreSQL), so the counts are answered from the indexes alone.
            models.Index(
                fields=["sla_check_at"],
                condition=models.Q(sla_check_at__isnull=False),
                name="ticket_sla_check_idx",
            ),
            models.Index(
                fields=["resolution_due"],
                include=[*SLA_GROUPED, "sla_paused_at", "is_undated_history"],
                condition=models.Q(resolution_due__isnull=False),
                name="ticket_resolution_due_idx",
            ),
            models.Index(
                fields=["first_response_due"],
                include=[*SLA_GROUPED, "first_response_at", "sla_paused_at", "is_undated_history"],
                condition=models.Q(first_response_due__isnull=False),
                name="ticket_first_response_due_idx",
            ),
            # First responses met, by reply; resolutions met, by resolution (entered when the
            # ticket is answered or resolved, never at creation).
            models.Index(
                fields=["first_response_at"],
                include=[*SLA_GROUPED, "first_response_due"],
                condition=models.Q(
                    first_response_at__isnull=False,
                    first_response_due__isnull=False,
                    is_undated_history=False,
                ),
                name="ticket_sla_replied_idx",
            ),
            models.Index(
                fields=["resolved_at"],
                include=[*SLA_GROUPED, "resolution_due", "sla_paused_at"],
                condition=models.Q(
                    resolved_at__isnull=False,
                    resolution_due__isnull=False,
                    is_undated_history=False,
                ),
                name="ticket_sla_resolved_idx",
            ),
            # The admin's filter on undated history: a few rows, so a small partial index.
            models.Index(
                fields=["created_at"],
                condition=models.Q(is_undated_history=True),
                name="ticket_undated_idx",
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
        """In the assignee's load: OPEN or IN_PROGRESS."""
        return self.status in OPEN_STATUSES

    @property
    def is_unresolved(self) -> bool:
        """Open, or PENDING (waiting on the requester): work that still needs an agent."""
        return self.status in UNRESOLVED_STATUSES

    def sync_resolved_at(self) -> None:
        """Keep resolved_at consistent with status, whatever path changed the status.

        Set when the ticket becomes RESOLVED, kept when it moves on to CLOSED,
        cleared when it is reopened.
        """
        if self.status == TicketStatus.RESOLVED and self.resolved_at is None:
            self.resolved_at = timezone.now()
        elif self.status in UNRESOLVED_STATUSES:
            self.resolved_at = None
