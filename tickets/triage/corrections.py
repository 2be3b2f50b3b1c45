"""Learning from corrections: when a person changes a category that triage decided, the
decision and the person's choice are recorded (one TriageCorrection per change).

The ticket keeps only the final category, which is what the next model trains on
(services.training_rows); the correction keeps what triage had decided, for the analytics
(tickets/analytics/triage.py) and for whoever reviews the model.
"""

from tickets.models import Category, ClassifiedBy, Ticket, TriageCorrection

# Decisions of the triage chain (a person's category is no decision of it to correct).
TRIAGE_SOURCES = (ClassifiedBy.MODEL, ClassifiedBy.KEYWORDS, ClassifiedBy.NONE)


def correction_record(*, ticket: Ticket, category: Category, actor) -> TriageCorrection | None:
    """Record a person's change of `ticket`'s category to `category`, when the category in
    place was decided by the model, the keyword rules or nobody; else nothing (None).

    Call it from category_apply, inside the change's transaction, with the ticket's row
    locked and its fields still as triage left them."""
    if ticket.classified_by not in TRIAGE_SOURCES or ticket.category_id == category.pk:
        return None
    return TriageCorrection.objects.create(
        ticket=ticket,
        corrected_by=actor if getattr(actor, "is_authenticated", False) else None,
        classified_by=ticket.classified_by,
        model_version=ticket.model_version,
        confidence=ticket.confidence,
        predicted_category_id=ticket.category_id,
        predicted_department_id=ticket.department_id,
        corrected_category=category,
        corrected_department_id=category.department_id,
        misrouted=category.department_id != ticket.department_id,
    )
