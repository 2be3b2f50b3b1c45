"""Demo data: the catalogue (departments, categories, users, agents) and generated history.

Bulk operations for seeding a demo or a benchmark; not a path for real tickets, which go
through tickets.services so that they are classified, routed and audited.
"""

import random
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from agents.models import Agent, Calendar, Department
from tickets.demo import catalogue
from tickets.demo.text import pick_category, ticket_text
from tickets.models import (
    Category,
    ClassifiedBy,
    Priority,
    SlaPolicy,
    Ticket,
    TicketEvent,
    TicketStatus,
)
from tickets.sla.services import sla_history_set

STATUS_WEIGHTS = {
    TicketStatus.OPEN: 0.2,
    TicketStatus.IN_PROGRESS: 0.1,
    TicketStatus.RESOLVED: 0.45,
    TicketStatus.CLOSED: 0.25,
}
PRIORITY_WEIGHTS = {
    Priority.LOW: 0.3,
    Priority.MEDIUM: 0.45,
    Priority.HIGH: 0.2,
    Priority.URGENT: 0.05,
}
HISTORY_DAYS = 180
# Mean hours to an agent's first public reply, and the share of open tickets not yet answered.
FIRST_RESPONSE_MEAN_HOURS = 4
UNANSWERED_OPEN_SHARE = 0.5


def catalogue_install() -> dict[str, Category]:
    """Departments and categories of the demo help desk; running it again changes nothing."""
    departments = {}
    for slug, name in catalogue.DEPARTMENTS:
        departments[slug], _ = Department.objects.get_or_create(slug=slug, defaults={"name": name})
    categories = {}
    for spec in catalogue.CATEGORIES:
        categories[spec["slug"]], _ = Category.objects.get_or_create(
            slug=spec["slug"],
            defaults={
                "name": spec["name"],
                "department": departments[spec["department"]],
                "keywords": spec["keywords"],
            },
        )
    return categories


def demo_sla_install() -> SlaPolicy | None:
    """The demo's default SLA policy on business hours, created once: none when a default
    policy or a policy of that name exists already (a team's own, or the demo's as staff left
    it)."""
    name = catalogue.SLA_POLICY["name"]
    if SlaPolicy.objects.filter(Q(is_default=True) | Q(name=name)).exists():
        return None
    spec = catalogue.SLA_CALENDAR
    calendar, _ = Calendar.objects.get_or_create(
        name=spec["name"], defaults={k: v for k, v in spec.items() if k != "name"}
    )
    return SlaPolicy.objects.create(
        name=name, targets=catalogue.SLA_POLICY["targets"], calendar=calendar, is_default=True
    )


def user_ensure(username: str, password: str, **fields):
    """Create the user with this password if missing; an existing user is left untouched."""
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User.objects.create_user(username=username, password=password, **fields)
    return user


def demo_users_install() -> None:
    """The staff user, the demo requester and the agents of the catalogue."""
    staff_name, staff_password = catalogue.STAFF
    user_ensure(staff_name, staff_password, is_staff=True, is_superuser=True)
    user_ensure(*catalogue.REQUESTER)
    for username, department_slug, capacity in catalogue.AGENTS:
        user = user_ensure(username, catalogue.AGENT_PASSWORD, email=f"{username}@example.com")
        Agent.objects.get_or_create(
            user=user,
            defaults={
                "department": Department.objects.get(slug=department_slug),
                "max_open_tickets": capacity,
            },
        )


def tickets_delete_all() -> None:
    """Empty the ticket tables in two statements (Django's delete() would load every row)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TicketEvent._meta.db_table}")  # noqa: S608 - table names
        cursor.execute(f"DELETE FROM {Ticket._meta.db_table}")  # noqa: S608


def tickets_seed(
    *, n: int, seed: int = 42, requester=None, batch: int = 5000, progress=None
) -> int:
    """Generate n historical tickets with coherent statuses and timestamps, in bulk.

    Categories come from the demo catalogue; open tickets are spread over the department's
    agents, closed ones keep the agent who worked them. Tickets worked on have a first
    response (first_response_at) a few hours after creation, before their resolution; half
    the OPEN ones still wait for it. Where an SLA policy applies, the due instants are set
    as for imported history (tickets.sla.services.sla_history_set). No events are written:
    this is imported history, not changes made in the product.
    """
    rng = random.Random(seed)
    # Its own generator: the rest of the history stays what it was before first responses.
    replies = random.Random(seed + 1)
    categories = catalogue_install()
    agents_by_department: dict[int, list[int]] = {}
    for user_id, department_id in Agent.objects.values_list("user_id", "department_id"):
        agents_by_department.setdefault(department_id, []).append(user_id)
    now = timezone.now()
    statuses = list(STATUS_WEIGHTS)
    priorities = list(PRIORITY_WEIGHTS)
    created = 0
    while created < n:
        rows = []
        for _ in range(min(batch, n - created)):
            slug = pick_category(rng)
            category = categories[slug]
            title, description, _language = ticket_text(slug, rng)
            status = rng.choices(statuses, weights=list(STATUS_WEIGHTS.values()))[0]
            created_at = now - timedelta(seconds=rng.randint(600, HISTORY_DAYS * 86400))
            resolved_at = None
            if status in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
                hours = min(rng.expovariate(1 / 30), (now - created_at).total_seconds() / 3600)
                resolved_at = created_at + timedelta(hours=hours)
            first_response_at = None
            if status != TicketStatus.OPEN or replies.random() >= UNANSWERED_OPEN_SHARE:
                latest = resolved_at or now
                hours = replies.expovariate(1 / FIRST_RESPONSE_MEAN_HOURS)
                first_response_at = min(created_at + timedelta(hours=hours), latest)
            agents = agents_by_department.get(category.department_id) or [None]
            ticket = Ticket(
                title=title,
                description=description,
                status=status,
                priority=rng.choices(priorities, weights=list(PRIORITY_WEIGHTS.values()))[0],
                category=category,
                department_id=category.department_id,
                created_by=requester,
                assigned_to_id=rng.choice(agents),
                created_at=created_at,
                updated_at=resolved_at or created_at,
                resolved_at=resolved_at,
                first_response_at=first_response_at,
                classified_by=ClassifiedBy.MANUAL,
            )
            sla_history_set(ticket, now=now)
            rows.append(ticket)
        Ticket.objects.bulk_create(rows, batch_size=batch)
        created += len(rows)
        if progress:
            progress(created, n)
    return created
