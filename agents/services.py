"""State changes of agents."""

import logging

from django.db import transaction

from agents.models import GENERAL_DEPARTMENT_SLUG, Agent, Department
from agents.routing import departments_lock
from config.api.exceptions import ConflictError

logger = logging.getLogger(__name__)


def agent_update(
    *, agent: Agent, actor, is_available: bool | None = None, max_open_tickets=...
) -> Agent:
    """Change availability and/or capacity (None = unlimited) under the department's lock,
    so that no routing in progress sees half of the change."""
    with transaction.atomic():
        departments_lock([agent.department_id])
        fields = []
        if is_available is not None and is_available != agent.is_available:
            agent.is_available = is_available
            fields.append("is_available")
        if max_open_tickets is not ... and max_open_tickets != agent.max_open_tickets:
            agent.max_open_tickets = max_open_tickets
            fields.append("max_open_tickets")
        if fields:
            agent.save(update_fields=fields)
            logger.info(
                "agent=%s updated by=%s %s",
                agent.pk,
                getattr(actor, "pk", None),
                {f: getattr(agent, f) for f in fields},
            )
    return agent


def department_delete(*, department: Department) -> None:
    """Delete a department that nothing refers to; General always stays."""
    if (
        department.slug == GENERAL_DEPARTMENT_SLUG
        or department.agents.exists()
        or department.categories.exists()
    ):
        raise ConflictError(
            "Only an empty department (no agents, no categories) other than General can be "
            "deleted.",
            field="department",
        )
    department.delete()
