"""A ticket's service-level clock, computed in Python from its stored fields (no queries).

Each target (first response, resolution) has a due instant and an at-risk instant: the
instants at which the ticket's running clock, counted from `created_at` on the policy's clock
(business hours of its calendar, or around the clock), reaches

    due     = target
    at risk = target * (1 - at_risk_share)

The clock runs only while the ticket is OPEN or IN_PROGRESS. PENDING, RESOLVED and CLOSED stop
it (`sla_paused_at`); when the ticket comes back, the stop is appended to `sla_pauses` and the
instants the clock had not reached when it stopped move out by the clock time stopped. A stop
never moves an instant the clock had already reached: computed again (a priority change, a
move to another department), the instants walk from `created_at` through the stops in order.

A target is breached once its clock reaches the due instant without it being met (the first
public reply before it; resolution before it), at risk once it reaches the at-risk instant.
The clock's "now" is `sla_paused_at` while stopped. The first-response target is met or
breached for good once `first_response_at` is set.
"""

import datetime as dt
from dataclasses import dataclass

from tickets.models import OPEN_STATUSES, UNRESOLVED_STATUSES, Ticket
from tickets.sla.policies import PolicyRules

FIRST_RESPONSE = "first_response"
RESOLUTION = "resolution"
TARGETS = (FIRST_RESPONSE, RESOLUTION)

# Bits of Ticket.sla_recorded: the events recorded, once each per ticket and target, and an
# escalation the sweep still owes (set with the breach, cleared when applied).
WARNED = {FIRST_RESPONSE: 1, RESOLUTION: 4}
BREACHED = {FIRST_RESPONSE: 2, RESOLUTION: 8}
ESCALATION_PENDING = 16

# The fields this module writes, for update_fields.
INSTANT_FIELDS = [
    "sla_policy",
    "first_response_due",
    "first_response_risk_at",
    "resolution_due",
    "resolution_risk_at",
    "sla_check_at",
]
PAUSE_FIELDS = ["sla_paused_at", "sla_pauses", "sla_recorded"]


def due_field(target: str) -> str:
    return f"{target}_due"


def risk_field(target: str) -> str:
    return f"{target}_risk_at"


def pauses(ticket: Ticket) -> list[tuple[dt.datetime, dt.datetime]]:
    """The ticket's ended stops, in order."""
    return [
        (dt.datetime.fromisoformat(a), dt.datetime.fromisoformat(b)) for a, b in ticket.sla_pauses
    ]


def pause_append(ticket: Ticket, start: dt.datetime, end: dt.datetime) -> None:
    """Write down a stop that ended (never one ending before it began)."""
    ticket.sla_pauses = [*ticket.sla_pauses, [start.isoformat(), max(start, end).isoformat()]]


def clock_reaches(
    rules: PolicyRules,
    start: dt.datetime,
    seconds: float,
    stops: list[tuple[dt.datetime, dt.datetime]],
) -> dt.datetime:
    """The instant the running clock, started at `start`, has counted `seconds`: the stops
    (in order) that began before it got there push it out, the later ones do not."""
    at, left = start, seconds
    for stop_start, stop_end in stops:
        if stop_start > at:
            ran = rules.between(at, stop_start)
            if ran >= left:
                break
            left -= ran
        at = max(at, stop_end)
    return rules.add(at, left)


def instants_set(
    ticket: Ticket,
    rules: PolicyRules | None,
    *,
    now: dt.datetime | None = None,
    answered_too: bool = False,
) -> None:
    """Compute both targets' instants from created_at, the priority and the ended stops;
    a first response already given keeps its instants (its verdict is final), unless
    `answered_too` (history brought in with its reply: its instants were never set).

    With `now` (a recomputation of a ticket already running), a warning or breach recorded
    whose new instant the clock has not reached yet is forgotten, so the sweep records it
    again when the clock gets there."""
    ticket.sla_policy_id = rules.id if rules else None
    seconds = rules.target_seconds(ticket.priority) if rules else (None, None)
    stops = pauses(ticket) if rules else []
    targets = []
    wanted: dict[str, float] = {}  # field -> clock seconds from created_at
    for target, target_seconds in zip(TARGETS, seconds, strict=True):
        if target == FIRST_RESPONSE and ticket.first_response_at is not None and not answered_too:
            continue
        targets.append(target)
        setattr(ticket, due_field(target), None)
        setattr(ticket, risk_field(target), None)
        if target_seconds:
            wanted[due_field(target)] = target_seconds
            wanted[risk_field(target)] = target_seconds * (1 - rules.at_risk_share)
    if wanted:
        if stops:
            instants = [clock_reaches(rules, ticket.created_at, s, stops) for s in wanted.values()]
        else:  # every instant counts from created_at: one walk over the calendar
            instants = rules.add_many(ticket.created_at, list(wanted.values()))
        for field, instant in zip(wanted, instants, strict=True):
            setattr(ticket, field, instant)
    if now is not None:
        for target in targets:
            _recorded_forget(ticket, target, clock_now=ticket.sla_paused_at or now)
    ticket.sla_check_at = next_check(ticket)


def _recorded_forget(ticket: Ticket, target: str, *, clock_now: dt.datetime) -> None:
    due, risk = getattr(ticket, due_field(target)), getattr(ticket, risk_field(target))
    if due is not None and due > clock_now:
        ticket.sla_recorded &= ~BREACHED[target]
    if risk is not None and risk > clock_now:
        ticket.sla_recorded &= ~WARNED[target]


def instants_shift(ticket: Ticket, rules: PolicyRules, paused: float) -> None:
    """Move out by `paused` clock seconds the instants the stopped clock had not reached."""
    stopped = ticket.sla_paused_at
    for target in TARGETS:
        if target == FIRST_RESPONSE and ticket.first_response_at is not None:
            continue
        for field in (due_field(target), risk_field(target)):
            instant = getattr(ticket, field)
            if instant is not None and instant > stopped:
                setattr(ticket, field, rules.add(instant, paused))


def target_open(ticket: Ticket, target: str) -> bool:
    """Whether the target can still be met or breached by the clock (not answered yet)."""
    if getattr(ticket, due_field(target)) is None:
        return False
    if target == FIRST_RESPONSE:
        return ticket.first_response_at is None
    return True


def next_check(ticket: Ticket) -> dt.datetime | None:
    """The next instant at which the sweep has something to record for this ticket: the
    earliest at-risk or due instant not recorded yet of a target still open, while the clock
    runs; an owed escalation makes it due at once."""
    if ticket.status not in OPEN_STATUSES:
        return None
    if ticket.sla_recorded & ESCALATION_PENDING:
        return ticket.created_at
    instants = []
    for target in TARGETS:
        if ticket.sla_recorded & BREACHED[target]:
            continue
        due = getattr(ticket, due_field(target))
        if target == FIRST_RESPONSE and due is not None and ticket.first_response_at is not None:
            if ticket.first_response_at >= due:
                instants.append(due)  # answered late: the breach is still to record
            continue
        if not target_open(ticket, target):
            continue
        instants.append(getattr(ticket, due_field(target)))
        risk = getattr(ticket, risk_field(target))
        if risk is not None and not ticket.sla_recorded & WARNED[target]:
            instants.append(risk)
    return min(instants, default=None)


@dataclass(frozen=True)
class TargetState:
    due: dt.datetime | None
    at_risk_at: dt.datetime | None
    # "met", "breached", "at_risk", "running", "paused" or None (no target)
    state: str | None
    # Clock seconds left before the due instant (negative: past it); None once met or
    # without a target.
    seconds_left: float | None


def target_state(
    ticket: Ticket, target: str, rules: PolicyRules | None, now: dt.datetime
) -> TargetState:
    """What the ticket shows for one target, the same verdict as the list filters'."""
    due = getattr(ticket, due_field(target))
    risk = getattr(ticket, risk_field(target))
    if due is None:
        return TargetState(None, None, None, None)
    clock = ticket.sla_paused_at or now
    if target == FIRST_RESPONSE and ticket.first_response_at is not None:
        met = ticket.first_response_at < due
        return TargetState(due, risk, "met" if met else "breached", None)
    if clock >= due:
        state = "breached"
    elif target == RESOLUTION and ticket.status not in UNRESOLVED_STATUSES:
        return TargetState(due, risk, "met", None)
    elif target == FIRST_RESPONSE and ticket.status not in UNRESOLVED_STATUSES:
        return TargetState(due, risk, None, None)  # resolved without a reply: nothing owed
    elif risk is not None and clock >= risk:
        state = "at_risk"
    else:
        state = "running"
    if ticket.sla_paused_at is not None and state != "breached":
        state = "paused" if state == "running" else state
    left = rules.between(clock, due) if rules else (due - clock).total_seconds()
    return TargetState(due, risk, state, left)


def past_recorded(ticket: Ticket, now: dt.datetime) -> None:
    """Mark as recorded every warning and breach whose instant the clock had already reached
    by `now` (history brought in in bulk: the sweep announces only what falls due after),
    then the next instant to look at."""
    clock_at = min(ticket.sla_paused_at or now, now)
    for target in TARGETS:
        due, risk = getattr(ticket, due_field(target)), getattr(ticket, risk_field(target))
        reached = clock_at
        if target == FIRST_RESPONSE and ticket.first_response_at is not None:
            reached = min(ticket.first_response_at, clock_at)
        if risk is not None and risk <= reached:
            ticket.sla_recorded |= WARNED[target]
        if due is not None and due <= reached:
            ticket.sla_recorded |= BREACHED[target]
    ticket.sla_check_at = next_check(ticket)
