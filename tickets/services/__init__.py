"""The write path: every state change of a ticket is one function in this package.

Each function classifies (when needed) before taking any lock, then makes its change,
routes and writes the audit events inside one small transaction. Modules: `creation`
(ticket_create), `workflow` (status, assignee, deletion), `editing` (text, priority,
category, the model's prediction), `common` (the row lock and shared checks).
"""

from tickets.services.common import department_general, ticket_lock
from tickets.services.creation import ticket_create
from tickets.services.editing import category_apply, ticket_predict, ticket_update
from tickets.services.workflow import (
    ticket_assign,
    ticket_delete,
    ticket_reassign,
    ticket_transition,
)

__all__ = [
    "category_apply",
    "department_general",
    "ticket_assign",
    "ticket_create",
    "ticket_delete",
    "ticket_lock",
    "ticket_predict",
    "ticket_reassign",
    "ticket_transition",
    "ticket_update",
]
