"""State changes of agents."""

import logging

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError

from agents.models import GENERAL_DEPARTMENT_SLUG, Agent, Calendar, Department
from agents.routing import departments_lock
from config.api.exceptions import ConflictError, DomainError

logger = logging.getLogger(__name__)


def agent_create(
    *,
    actor,
    department: Department,
    user_id: int | None = None,
    username: str | None = None,
    email: str = "",
    password: str | None = None,
    is_available: bool = True,
    max_open_tickets: int | None = None,
    away_until=None,
    calendar: Calendar | None = None,
) -> Agent:
    """Make a user an agent: an existing one (by id or username), or a new one (username,
    email and an initial password the password validators accept). A retired agent's row is
    taken back into service. Under the department's lock, so no routing sees half of it."""
    User = get_user_model()  # noqa: N806
    with transaction.atomic():
        field = "user" if user_id is not None else "username"
        if user_id is not None:
            user = User.objects.filter(pk=user_id).first()
            if user is None:
                raise DomainError(f"No user {user_id}.", field="user")
        else:
            user = User.objects.filter(username=username).first()
            if user is not None and (password or email):
                raise DomainError(
                    "This user exists: leave out email and password (they are not changed "
                    "here), or choose another username.",
                    field="password" if password else "email",
                )
            if user is None:
                user = _user_create(username=username, email=email, password=password)
        existing = Agent.objects.filter(user=user).first()
        departments_lock([department.pk, existing.department_id if existing else None])
        if existing is not None and existing.retired_at is None:
            raise ConflictError(f"{user.get_username()} is already an agent.", field=field)
        agent = existing or Agent(user=user)
        agent.department = department
        agent.is_available = is_available
        agent.max_open_tickets = max_open_tickets
        agent.away_until = away_until
        agent.calendar = calendar
        agent.retired_at = None
        agent.save()
        logger.info(
            "agent=%s %s by=%s department=%s",
            agent.pk,
            "rehired" if existing else "created",
            getattr(actor, "pk", None),
            department.pk,
        )
    return agent


def _user_create(*, username: str | None, email: str, password: str | None):
    User = get_user_model()  # noqa: N806
    errors = {}
    if not username:
        errors["username"] = ["Give the username of an existing user, or of the new one."]
    if not email:
        errors["email"] = ["A new user needs an email address."]
    if not password:
        errors["password"] = ["A new user needs an initial password."]
    if errors:
        raise ValidationError(errors)
    candidate = User(username=username, email=email)
    try:
        User._meta.get_field("username").run_validators(username)
    except ValidationError as error:
        raise ValidationError({"username": error.messages}) from None
    try:
        password_validation.validate_password(password, user=candidate)
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from None
    return User.objects.create_user(username=username, email=email, password=password)


def agent_changes_apply(*, agent: Agent, actor, **changes) -> list[str]:
    """Write the given fields (department, is_available, max_open_tickets, away_until,
    calendar) to the agent; values equal to the current ones are no change. The caller holds
    the locks of the agent's departments, old and new (agents/routing.py)."""
    fields = []
    for field, value in changes.items():
        if field == "department" and value is not ...:
            field, value = "department_id", value.pk
        if value is not ... and value != getattr(agent, field):
            setattr(agent, field, value)
            fields.append(field.removesuffix("_id"))
    if fields:
        agent.save(update_fields=fields)
        logger.info(
            "agent=%s updated by=%s %s",
            agent.pk,
            getattr(actor, "pk", None),
            {
                f: getattr(agent, f"{f}_id" if f in ("department", "calendar") else f)
                for f in fields
            },
        )
    return fields


def agent_locked(agent: Agent, *, department_ids=()) -> Agent:
    """Lock the agent's department (and those given) and return the agent as it is now; 409
    when a move or a retirement committed while this request waited for the lock."""
    departments_lock([agent.department_id, *department_ids])
    fresh = Agent.objects.select_related("user").get(pk=agent.pk)
    if fresh.department_id != agent.department_id:
        raise ConflictError("The agent moved to another department meanwhile; try again.")
    if fresh.retired_at is not None:
        raise ConflictError("The agent is retired.", field="agent")
    return fresh


def agent_update(
    *,
    agent: Agent,
    actor,
    is_available: bool | None = None,
    max_open_tickets=...,
    away_until=...,
    calendar=...,
) -> Agent:
    """Change availability, capacity (None = unlimited), absence (`away_until`, None: back)
    or working hours under the department's lock, so that no routing in progress sees half of
    the change. A change of department, or one that sends tickets back to routing, is made by
    tickets.agent_changes (it reaches the agent's tickets)."""
    with transaction.atomic():
        agent = agent_locked(agent)
        agent_changes_apply(
            agent=agent,
            actor=actor,
            is_available=... if is_available is None else is_available,
            max_open_tickets=max_open_tickets,
            away_until=away_until,
            calendar=calendar,
        )
    return agent


def calendar_delete(*, calendar: Calendar) -> None:
    """Delete a calendar that no agent or department uses."""
    if calendar.agents.exists() or calendar.departments.exists():
        raise ConflictError(
            "The calendar is in use: give its agents and departments another one first.",
            field="calendar",
        )
    try:
        with transaction.atomic():
            calendar.delete()
    except ProtectedError:  # another room's rows use it (say, an SLA policy)
        raise ConflictError(
            "The calendar is in use (by an SLA policy): give it another one first.",
            field="calendar",
        ) from None


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
