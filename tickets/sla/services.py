"""The service-level side of the ticket write path, called inside the services' transactions
(tickets/services/): at creation, on a priority or department change, on every status move,
and on the first public reply. Each sets the ticket's fields and returns the names to save;
none queries the database (the policies are kept per process, tickets/sla/policies.py).
"""

import datetime as dt

from django.utils import timezone

from tickets.models import OPEN_STATUSES, Ticket
from tickets.sla import clock
from tickets.sla.policies import policy_for_department, policy_get


def sla_ticket_open(ticket: Ticket) -> None:
    """A new ticket (not saved yet): its due and at-risk instants from its department's policy,
    counted from its created_at."""
    rules = policy_for_department(ticket.department_id)
    if rules is not None:
        clock.instants_set(ticket, rules)


def sla_history_set(ticket: Ticket, *, now: dt.datetime) -> None:
    """A ticket of history brought in in bulk (imported or generated, not saved yet, no
    events): its instants as if its department's policy had applied since created_at, the
    clock stopped at its resolution (waiting on the requester: at the first reply). What the
    clock had reached by `now` counts as recorded: the sweep neither announces nor escalates
    the past, only what falls due after. A ticket no longer open whose first reply is unknown
    (an import gives none) has no first-response target: its verdict cannot be known.
    Undated history gets no instants (its created_at is the import's)."""
    if ticket.status not in OPEN_STATUSES:  # the clock's stop is kept with or without a policy
        ticket.sla_paused_at = ticket.resolved_at or ticket.first_response_at or ticket.created_at
    if ticket.is_undated_history:
        return
    rules = policy_for_department(ticket.department_id)
    if rules is None:
        return
    clock.instants_set(ticket, rules, answered_too=True)
    if ticket.first_response_at is None and ticket.status not in OPEN_STATUSES:
        ticket.first_response_due = ticket.first_response_risk_at = None
    clock.past_recorded(ticket, now)


def sla_recompute(ticket: Ticket, *, now: dt.datetime | None = None) -> list[str]:
    """After a priority change or a move to another department: the instants again, from
    created_at with the (new) department's policy, through the ticket's stops. A warning or
    breach recorded whose instant moved past the clock's now is recorded again when reached;
    an instant moved before it is recorded at the next sweep."""
    clock.instants_set(
        ticket, policy_for_department(ticket.department_id), now=now or timezone.now()
    )
    return [*clock.INSTANT_FIELDS, "sla_recorded"]


def sla_status_changed(ticket: Ticket, *, before: str, now: dt.datetime | None = None) -> list[str]:
    """After `ticket.status` moved from `before`: stop the clock when leaving OPEN/IN_PROGRESS,
    start it again when coming back (the stop is written down, and the instants the clock had
    not reached move out by the clock time stopped). The stops are kept with or without a
    policy: a later move into a department with one counts them."""
    running, was_running = ticket.status in OPEN_STATUSES, before in OPEN_STATUSES
    if running == was_running:
        return []
    now = now or timezone.now()
    if not running:
        ticket.sla_paused_at = now
        ticket.sla_recorded &= ~clock.ESCALATION_PENDING  # someone acted on it
    else:
        stopped = ticket.sla_paused_at
        if stopped is not None:
            clock.pause_append(ticket, stopped, now)
            rules = None
            if ticket.sla_policy_id is not None:
                rules = policy_get(ticket.sla_policy_id) or policy_for_department(
                    ticket.department_id
                )
            paused = rules.between(stopped, now) if rules is not None else 0.0
            # A stop with no business time in it (a night, a weekend) moves nothing: adding
            # zero to a closing time would give the next opening.
            if paused > 0:
                clock.instants_shift(ticket, rules, paused)
        ticket.sla_paused_at = None
    ticket.sla_check_at = clock.next_check(ticket)
    return [*clock.INSTANT_FIELDS, *clock.PAUSE_FIELDS]


def sla_first_response_record(ticket: Ticket, at: dt.datetime) -> list[str]:
    """The first public reply by an agent or staff (tickets/conversation/ calls this from its
    service, holding the ticket's row lock, and saves the fields returned with its own):
    sets first_response_at once and drops the first-response target from the sweep's next
    look. A later reply changes nothing."""
    if ticket.first_response_at is not None:
        return []
    ticket.first_response_at = at
    if ticket.sla_policy_id is None:
        return ["first_response_at"]
    ticket.sla_check_at = clock.next_check(ticket)
    return ["first_response_at", "sla_check_at"]
