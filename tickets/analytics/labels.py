"""Keys and labels of the groups the analytics report on.

The figures are aggregated on ids (no join over the tickets, so the database can answer from
an index alone); the few labels are looked up afterwards, one small query per table.
"""

from django.contrib.auth import get_user_model
from django.db.models import Q

from agents.models import Department
from tickets.models import Category, Priority

# The key and label of the tickets that have no category, department or agent.
UNCATEGORISED = ("uncategorised", "Uncategorised")
NO_DEPARTMENT = ("none", "No department")
UNASSIGNED = ("unassigned", "Unassigned")

Labels = dict[object, tuple[str, str]]


def category_labels(ids=()) -> Labels:
    """Every category (a small table), whichever ids the figures hold."""
    return {
        pk: (slug, name) for pk, slug, name in Category.objects.values_list("pk", "slug", "name")
    }


def department_labels(ids=()) -> Labels:
    rows = Department.objects.values_list("pk", "slug", "name")
    return {pk: (slug, name) for pk, slug, name in rows}


def user_labels(ids=()) -> Labels:
    """Agents, and the other users among `ids` (former agents), by username as key and label.
    Always one query, even for no id."""
    known = [pk for pk in ids if pk is not None]
    users = get_user_model().objects.filter(Q(agent__isnull=False) | Q(pk__in=known))
    return {pk: (name, name) for pk, name in users.values_list("pk", "username")}


def priority_labels(ids=()) -> Labels:
    return {priority.value: (priority.name, priority.label) for priority in Priority}


def label(labels: Labels, pk, missing: tuple[str, str]) -> tuple[str, str]:
    """The group's (key, label); `missing` for tickets without one. A row deleted since the
    figures were read keeps its id as key and label."""
    if pk is None:
        return missing
    return labels.get(pk, (str(pk), str(pk)))
