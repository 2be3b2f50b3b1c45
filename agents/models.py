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
    open_load = models.PositiveIntegerField(
        "open tickets",
        default=0,
        editable=False,
        help_text="Tickets assigned to the agent and OPEN or IN_PROGRESS; kept by the "
        "database's triggers (tickets/load_triggers.py), never written by the application.",
    )

    class Meta:
        ordering = ["user_id"]
        indexes = [models.Index(fields=["department", "is_available"])]

    def __str__(self) -> str:
        return self.user.get_username()

    def save(self, *args, **kwargs) -> None:
        """open_load belongs to the database: a new agent's counter is set by a trigger from
        the tickets already assigned to the user (tickets/load_triggers.py), and saving an
        agent never writes back a counter read earlier (the triggers may have moved it)."""
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "open_load" in update_fields:
            raise ValueError("Agent.open_load is kept by the database, not saved.")
        adding = self._state.adding
        if not adding and update_fields is None:
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key and field.name != "open_load"
            ]
        super().save(*args, **kwargs)
        if adding:
            self.refresh_from_db(fields=["open_load"])
