from django.db import models
from django.utils import timezone


class FloorRow(models.Model):
    """One bare row per request: what an insert costs with nothing else around it."""

    title = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.title
