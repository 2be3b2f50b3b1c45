"""Similar tickets: the model's TF-IDF index, filtered to what the caller may see."""

from itertools import islice

from django.db.models import Q
from django.utils.dateparse import parse_datetime

from config.exceptions import ConflictError
from ml.text import join_ticket_text
from tickets.ml_registry import active_model
from tickets.models import Ticket
from tickets.selectors import ticket_list, ticket_visible_queryset

# Tickets the index does not hold are vectorised per query; beyond this many, only the most
# recently updated are (retrain to index the rest).
MAX_UNINDEXED = 5000


def _unindexed(model, *, exclude_pk: int) -> list[tuple[int, str]]:
    """(id, text) of the tickets the index does not hold as they read now: created or edited
    after training, or left uncategorised (training, hence the index, only sees labelled ones).
    """
    newest_indexed = int(model.index.ids.max()) if len(model.index) else 0
    stale = Q(pk__gt=newest_indexed) | Q(category__isnull=True)
    trained_at = parse_datetime(str(model.metadata.get("trained_at", "")))
    if trained_at is not None:
        stale |= Q(updated_at__gt=trained_at)
    rows = (
        Ticket.objects.filter(stale)
        .exclude(pk=exclude_pk)
        .order_by("-updated_at")
        .values_list("pk", "title", "description")[:MAX_UNINDEXED]
    )
    return [(pk, join_ticket_text(title, description)) for pk, title, description in rows]


def ticket_similar_list(*, ticket: Ticket, user, top: int) -> list[tuple[Ticket, float]]:
    """The `top` most similar other tickets the user may see, with cosine scores, best first.

    Candidates come best first from the index; each batch is checked against the user's
    visibility in one query, in growing batches until `top` are found or candidates run out.
    """
    model = active_model()
    if model is None or not model.has_similarity_index:
        raise ConflictError(
            "Similar tickets need a trained model. Train one with POST /api/ml/train/.",
            field="model",
        )
    ranked = model.similar_ranked(
        ticket.title,
        ticket.description,
        exclude_ids=(ticket.pk,),
        extra=_unindexed(model, exclude_pk=ticket.pk),
    )
    visible = ticket_visible_queryset(user=user)
    hits: list[tuple[int, float]] = []
    batch = max(4 * top, 50)
    while len(hits) < top:
        chunk = list(islice(ranked, batch))
        if not chunk:
            break
        allowed = set(visible.filter(pk__in=[pk for pk, _ in chunk]).values_list("pk", flat=True))
        hits += [(pk, score) for pk, score in chunk if pk in allowed]
        batch *= 4
    hits = hits[:top]
    tickets = ticket_list(user=user).in_bulk([pk for pk, _ in hits])
    return [(tickets[pk], round(score, 6)) for pk, score in hits if pk in tickets]
