"""Service-level policies: per priority, a first-response and a resolution target, counted in
the business hours of a calendar or around the clock (tickets/sla/)."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from agents.models import Calendar, Department
from tickets.models.ticket import Priority

# A target is at most a year of (business) minutes.
MAX_TARGET_MINUTES = 366 * 24 * 60
TARGET_KEYS = ("first_response_minutes", "resolution_minutes")


class EscalationAction(models.TextChoices):
    """What the sweep does when a target is breached, besides recording the event."""

    FLAG = "flag", "Only flag (record the event)"
    RAISE_PRIORITY = "raise_priority", "Raise the priority one step"
    REASSIGN = "reassign", "Re-route to another eligible agent of the department"


def sla_targets_parse(data) -> dict[str, dict[str, int | None]]:
    """{"HIGH": {"first_response_minutes": 60, "resolution_minutes": 480}, ...}: per priority
    name, minutes or null (no target). A priority left out has no targets. ValueError names the
    problem."""
    if not isinstance(data, dict):
        raise ValueError('Expected an object such as {"HIGH": {"first_response_minutes": 60}}.')
    names = [p.name for p in Priority]
    unknown = sorted(str(key)[:20] for key in data if key not in names)
    if unknown:
        raise ValueError(f"Unknown priority {', '.join(unknown)}; use {', '.join(names)}.")
    parsed = {}
    for name in names:
        if name not in data:
            continue
        value = data[name]
        if not isinstance(value, dict) or set(value) - set(TARGET_KEYS):
            raise ValueError(f"{name}: expected an object with keys {', '.join(TARGET_KEYS)}.")
        targets = {}
        for key in TARGET_KEYS:
            minutes = value.get(key)
            if minutes is not None and (
                isinstance(minutes, bool)
                or not isinstance(minutes, int)
                or not 1 <= minutes <= MAX_TARGET_MINUTES
            ):
                raise ValueError(
                    f"{name}.{key}: expected whole minutes from 1 to {MAX_TARGET_MINUTES}, "
                    "or null for no target."
                )
            targets[key] = minutes
        parsed[name] = targets
    return parsed


class SlaPolicy(models.Model):
    """Targets per priority for the tickets of one department, or of every department without
    a policy of its own (the default policy)."""

    name = models.CharField(max_length=100, unique=True)
    department = models.OneToOneField(
        Department,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="sla_policy",
        help_text="The department it applies to; empty: the default policy, or none.",
    )
    is_default = models.BooleanField(
        default=False,
        help_text="Applies to the tickets of every department without a policy of its own.",
    )
    calendar = models.ForeignKey(
        Calendar,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sla_policies",
        help_text="Targets count this calendar's business hours; empty: around the clock.",
    )
    targets = models.JSONField(
        default=dict,
        blank=True,
        help_text='Minutes per priority: {"HIGH": {"first_response_minutes": 60, '
        '"resolution_minutes": 480}}; a priority left out (or null) has no target.',
    )
    at_risk_share = models.FloatField(
        default=0.25,
        validators=[MinValueValidator(0.01), MaxValueValidator(0.99)],
        help_text="A target is at risk when this share of it is left (0.25: the last quarter).",
    )
    escalation = models.CharField(
        max_length=16, choices=EscalationAction.choices, default=EscalationAction.FLAG
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "SLA policy"
        verbose_name_plural = "SLA policies"
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=models.Q(is_default=True),
                name="sla_policy_one_default",
            ),
            models.CheckConstraint(
                condition=models.Q(is_default=False) | models.Q(department__isnull=True),
                name="sla_policy_default_has_no_department",
            ),
            models.CheckConstraint(
                condition=models.Q(at_risk_share__gte=0.01, at_risk_share__lte=0.99),
                name="sla_policy_at_risk_share_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        try:
            self.targets = sla_targets_parse(self.targets)
        except ValueError as error:
            raise ValidationError({"targets": str(error)}) from None
        if self.is_default and self.department_id is not None:
            raise ValidationError({"is_default": "The default policy has no department."})
