"""The triage catalogue's categories: what a ticket is about, and who handles it."""

from django.db import models

from agents.models import Department


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
