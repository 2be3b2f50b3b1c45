"""Corrections of triage: a person changing the category the triage chain decided."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from agents.models import Department
from tickets.models.category import Category
from tickets.models.ticket import ClassifiedBy, Ticket


class TriageCorrection(models.Model):
    """One row per change of a category that the model, the keyword rules or nobody had
    decided, written in the same transaction as the change (tickets/triage/corrections.py).

    It keeps the decision as it was (who decided, model version, category, confidence,
    department) beside the person's; the ticket itself keeps only the final category, which is
    what the next model trains on.
    """

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="corrections")
    created_at = models.DateTimeField(default=timezone.now)
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The decision corrected, as the ticket recorded it.
    classified_by = models.CharField(max_length=16, choices=ClassifiedBy.choices)
    model_version = models.CharField(max_length=64, blank=True, default="")
    confidence = models.FloatField(null=True, blank=True)
    predicted_category = models.ForeignKey(
        Category, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    predicted_department = models.ForeignKey(
        Department, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The person's choice.
    corrected_category = models.ForeignKey(
        Category, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    corrected_department = models.ForeignKey(
        Department, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The ticket changed department: it had been routed to the wrong team (a misroute).
    misrouted = models.BooleanField(default=False)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="correction_ticket_idx")]

    def __str__(self) -> str:
        return f"correction of ticket {self.ticket_id} ({self.classified_by})"
