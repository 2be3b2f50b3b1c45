"""Departments and the agents who work in them."""

from django.conf import settings
from django.db import models

GENERAL_DEPARTMENT_SLUG = "general"


class Department(models.Model):
    """A team that owns categories of tickets. Its row is the routing lock for its agents."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=50, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Agent(models.Model):
    """A user who works tickets. Shares the user's primary key, so an agent's id is its user id."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="agent",
    )
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="agents")
    is_available = models.BooleanField(default=True)
    max_open_tickets = models.PositiveIntegerField(
        null=True, blank=True, help_text="Capacity in open tickets; empty means unlimited."
    )
    last_assigned_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["user_id"]
        indexes = [models.Index(fields=["department", "is_available"])]

    def __str__(self) -> str:
        return self.user.get_username()
