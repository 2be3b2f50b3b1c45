"""Similar tickets: the model's TF-IDF index, filtered to what the caller may see."""

import threading
from itertools import islice

import numpy as np
import scipy.sparse as sp
from django.db.models import Count, Max, Min, Q
from django.utils.dateparse import parse_datetime

from config.exceptions import ConflictError
from ml.similarity import ExtraVectors
from ml.text import join_ticket_text
from tickets.ml_registry import active_model
from tickets.models import Ticket
from tickets.selectors import ticket_list, ticket_visible_queryset

# Tickets the index does not hold are vectorised per query; beyond this many, only the most
# recently updated are (retrain to index the rest).
MAX_UNINDEXED = 5000


class _UnindexedVectors:
    """This process's vectors of the tickets the index does not hold, per model version.

    Each query asks the database for a signature of the newest MAX_UNINDEXED of those tickets
    (how many, the newest and oldest update, the highest id: one aggregate over that window,
    so its work is bounded however many there are); only when it changed are they listed, and
    only the ones new or edited since are vectorised, instead of reading and vectorising all
    of them (up to MAX_UNINDEXED) on every request.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._reset(None)

    def _reset(self, version) -> None:
        self.version = version
        self.signature = None
        self.stamps: dict[int, object] = {}  # id -> updated_at of the text vectorised
        self.vectors = ExtraVectors(np.zeros(0, dtype=np.int64), sp.csr_matrix((0, 0)))

    def current(self, model, stale) -> ExtraVectors:
        """The vectors of the most recently updated MAX_UNINDEXED tickets of the queryset
        ``stale``, as they read now."""
        # The check reads the same window as the listing (LIMIT in a subquery), not every
        # ticket outside the index: uncategorised ones never enter it, so those grow forever.
        window = stale.order_by("-updated_at", "-pk")[:MAX_UNINDEXED]
        signature = window.aggregate(
            n=Count("pk"), newest=Max("updated_at"), oldest=Min("updated_at"), top=Max("pk")
        )
        with self._lock:
            if self.version != model.version:
                self._reset(model.version)
            if signature == self.signature:
                return self.vectors
            rows = list(window.values_list("pk", "updated_at"))
            position = {int(pk): i for i, pk in enumerate(self.vectors.ids)}
            kept = [pk for pk, updated in rows if self.stamps.get(pk) == updated]
            fresh = [pk for pk, updated in rows if self.stamps.get(pk) != updated]
            texts = {
                pk: join_ticket_text(title, description)
                for pk, title, description in Ticket.objects.filter(pk__in=fresh).values_list(
                    "pk", "title", "description"
                )
            }
            fresh = [pk for pk in fresh if pk in texts]  # deleted meanwhile
            parts = []
            if kept:
                parts.append(self.vectors.vectors[[position[pk] for pk in kept]])
            if fresh:
                parts.append(model.vectorizer.transform([texts[pk] for pk in fresh]))
            matrix = sp.vstack(parts, format="csr") if parts else sp.csr_matrix((0, 0))
            ids = np.asarray(kept + fresh, dtype=np.int64)
            self.vectors = ExtraVectors(ids, matrix)
            stamp = dict(rows)
            self.stamps = {pk: stamp[pk] for pk in kept + fresh}
            self.signature = signature
            return self.vectors


_unindexed_vectors = _UnindexedVectors()


def _unindexed(model) -> ExtraVectors:
    """Vectors of the tickets the index does not hold as they read now: created or edited
    after training, or left uncategorised (training, hence the index, only sees labelled ones).
    """
    newest_indexed = int(model.index.ids.max()) if len(model.index) else 0
    stale = Q(pk__gt=newest_indexed) | Q(category__isnull=True)
    trained_at = parse_datetime(str(model.metadata.get("trained_at", "")))
    if trained_at is not None:
        stale |= Q(updated_at__gt=trained_at)
    return _unindexed_vectors.current(model, Ticket.objects.filter(stale))


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
        extra=_unindexed(model),
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
