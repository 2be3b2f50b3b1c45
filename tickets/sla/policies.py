"""The policies as plain rules, kept by each process: ticket creation must not read them.

A process reads every policy (a handful of rows) at most once per SLA_POLICY_CHECK_SECONDS;
saving or deleting a policy or a calendar in this process forgets them at once (a change made
in another process is seen that much later).
"""

import datetime as dt
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from agents import shifts
from agents.hours import WorkingHours
from agents.models import calendar_generation
from tickets.models import Priority, SlaPolicy
from tickets.models.sla import sla_targets_parse


@dataclass(frozen=True)
class PolicyRules:
    """One policy's targets in seconds per priority, and its clock."""

    id: int
    name: str
    # priority value -> (first-response seconds, resolution seconds); None: no target
    targets: dict[int, tuple[int | None, int | None]]
    at_risk_share: float
    escalation: str
    hours: WorkingHours | None  # None: around the clock

    def target_seconds(self, priority: int) -> tuple[int | None, int | None]:
        return self.targets.get(priority, (None, None))

    def add(self, start: dt.datetime, seconds: float) -> dt.datetime:
        """The instant `seconds` of this policy's clock after `start`."""
        if self.hours is None:
            return start + dt.timedelta(seconds=seconds)
        return self.hours.add_business_seconds(start, seconds)

    def add_many(self, start: dt.datetime, seconds: list[float]) -> list[dt.datetime]:
        """`add(start, s)` for each s (one walk over the calendar)."""
        if self.hours is None:
            return [start + dt.timedelta(seconds=s) for s in seconds]
        return self.hours.add_business_seconds_many(start, seconds)

    def between(self, start: dt.datetime, end: dt.datetime) -> float:
        """Seconds of this policy's clock in [start, end); negative when end is earlier."""
        if end < start:
            return -self.between(end, start)
        if self.hours is None:
            return (end - start).total_seconds()
        return self.hours.business_seconds_between(start, end)


@dataclass(frozen=True)
class _Held:
    loaded_at: float
    generation: int
    by_id: dict[int, PolicyRules]
    by_department: dict[int, PolicyRules]
    default: PolicyRules | None


_lock = threading.Lock()
_held: _Held | None = None


def _rules(policy: SlaPolicy) -> PolicyRules:
    try:
        parsed = sla_targets_parse(policy.targets)
    except ValueError:  # written around the validation (a migration, psql): no targets
        parsed = {}
    targets = {}
    for name, minutes in parsed.items():
        first, resolution = minutes["first_response_minutes"], minutes["resolution_minutes"]
        targets[Priority[name].value] = (
            first * 60 if first else None,
            resolution * 60 if resolution else None,
        )
    return PolicyRules(
        id=policy.pk,
        name=policy.name,
        targets=targets,
        at_risk_share=policy.at_risk_share,
        escalation=policy.escalation,
        hours=shifts.calendar_hours(policy.calendar) if policy.calendar else None,
    )


def _current() -> _Held:
    global _held
    held = _held
    generation = calendar_generation()
    if (
        held is not None
        and held.generation == generation
        and time.monotonic() - held.loaded_at < settings.SLA_POLICY_CHECK_SECONDS
    ):
        return held
    policies = list(SlaPolicy.objects.select_related("calendar"))  # one query, a few rows
    by_id = {policy.pk: _rules(policy) for policy in policies}
    held = _Held(
        loaded_at=time.monotonic(),
        generation=generation,
        by_id=by_id,
        by_department={p.department_id: by_id[p.pk] for p in policies if p.department_id},
        default=next((by_id[p.pk] for p in policies if p.is_default), None),
    )
    with _lock:
        _held = held
    return held


def policy_for_department(department_id: int | None) -> PolicyRules | None:
    """The department's policy, else the default one; None: no policy applies."""
    held = _current()
    return held.by_department.get(department_id, held.default) if department_id else held.default


def policy_get(policy_id: int | None) -> PolicyRules | None:
    """The rules of that policy (None when it no longer exists)."""
    if policy_id is None:
        return None
    return _current().by_id.get(policy_id)


def policies_changed(**_signal_kwargs) -> None:
    """A policy changed in this process: read them again at the next use, and once more when
    the change commits (what was read meanwhile may include it uncommitted, or miss it)."""
    reset_cache()
    transaction.on_commit(reset_cache)


def reset_cache() -> None:
    global _held
    with _lock:
        _held = None
