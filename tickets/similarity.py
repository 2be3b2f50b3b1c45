"""Similar tickets: the model's TF-IDF index, filtered to what the caller may see."""

from config.exceptions import ConflictError
from ml.text import join_ticket_text
from tickets.ml_registry import active_model
from tickets.models import Ticket
from tickets.selectors import ticket_list, ticket_visible_queryset

# Tickets created after training are vectorised per query; beyond this many, the newest win
# (retrain to index the rest).
MAX_UNINDEXED = 5000


def ticket_similar_list(*, ticket: Ticket, user, top: int) -> list[tuple[Ticket, float]]:
    """The `top` most similar other tickets the user may see, with cosine scores, best first."""
    model = active_model()
    if model is None:
        raise ConflictError(
            "Similar tickets need a trained model. Train one with POST /api/ml/train/.",
            field="model",
        )
    query = join_ticket_text(ticket.title, ticket.description)
    unindexed = (
        Ticket.objects.filter(pk__gt=model.max_indexed_id)
        .exclude(pk=ticket.pk)
        .order_by("-pk")
        .values_list("pk", "title", "description")[:MAX_UNINDEXED]
    )
    extra = [(pk, join_ticket_text(title, description)) for pk, title, description in unindexed]
    visible = ticket_visible_queryset(user=user)

    # Ask the index for more candidates than needed, keep the visible ones, widen if short.
    limit = top * 10
    while True:
        ranked = model.similar(query, limit=limit, exclude_ids=(ticket.pk,), extra=extra)
        candidate_ids = [pk for pk, _ in ranked]
        allowed = set(visible.filter(pk__in=candidate_ids).values_list("pk", flat=True))
        hits = [(pk, score) for pk, score in ranked if pk in allowed][:top]
        if len(hits) >= top or len(ranked) < limit:
            break
        limit *= 4
    tickets = ticket_list(user=user).in_bulk([pk for pk, _ in hits])
    return [(tickets[pk], score) for pk, score in hits if pk in tickets]
