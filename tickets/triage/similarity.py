"""Similar tickets: the model's TF-IDF index re-weighted by its category probabilities
(ml/similarity.py), filtered to what the caller may see."""

import threading
from dataclasses import dataclass
from datetime import datetime
from itertools import islice

import numpy as np
import scipy.sparse as sp
from django.db import connections, router
from django.utils.dateparse import parse_datetime

from config.api.exceptions import ConflictError
from ml.similarity import ExtraVectors
from ml.text import join_ticket_text
from tickets.models import Ticket
from tickets.selectors import ticket_list, ticket_visible_queryset
from tickets.triage.registry import active_model

# Tickets the index does not hold are vectorised per query; beyond this many, only the most
# recently updated are (retrain to index the rest).
MAX_UNINDEXED = 5000


@dataclass(frozen=True)
class _StaleWindow:
    """The newest MAX_UNINDEXED (by updated_at, then id) of the tickets the index does not hold:
    created after the indexed ones (id above the highest indexed id), uncategorised (training,
    hence the index, only sees labelled tickets) or updated after training.

    Read as one bounded, index-ordered range per reason, never as one query with an OR:
    prepared (psycopg's prepare_threshold), the OR's generic plan walks the updated_at index
    backwards filtering every ticket until it has MAX_UNINDEXED of them, which is the whole
    table whenever fewer are unindexed, the usual state after training (docs/performance.md).
    Each range stops at its index bound whatever the parameters. The
    id range keeps the highest ids: beyond MAX_UNINDEXED new tickets, the most recently
    created of them (retrain to index the rest).
    """

    newest_indexed: int
    trained_at: datetime | None

    def _reasons(self) -> tuple[list[str], list]:
        """One `SELECT id, updated_at ... LIMIT n` per reason, and their parameters."""
        connection = connections[router.db_for_read(Ticket)]
        quote = connection.ops.quote_name
        meta = Ticket._meta
        table, pk = quote(meta.db_table), quote(meta.pk.column)
        updated = quote(meta.get_field("updated_at").column)
        category = quote(meta.get_field("category").column)
        newest_first = f"{updated} DESC, {pk} DESC"
        reasons = [(f"{pk} > %s", [self.newest_indexed], f"{pk} DESC")]
        reasons.append((f"{category} IS NULL", [], newest_first))
        if self.trained_at is not None:
            trained_at = connection.ops.adapt_datetimefield_value(self.trained_at)
            reasons.append((f"{updated} > %s", [trained_at], newest_first))
        # Only quoted identifiers and an integer are formatted in; values stay parameters.
        selects = [
            f"SELECT {pk} AS id, {updated} AS updated_at FROM {table}"  # noqa: S608
            f" WHERE {where} ORDER BY {order} LIMIT {int(MAX_UNINDEXED)}"
            for where, _, order in reasons
        ]
        return selects, [value for _, values, _ in reasons for value in values]

    def signature_sql(self) -> tuple[str, list]:
        """Per reason: how many, the newest and oldest update, the highest id. One row of
        aggregates, each over a range of at most MAX_UNINDEXED tickets, so bounded however
        many are unindexed; the window changes only if one of them does."""
        selects, params = self._reasons()
        aggregates = ", ".join(
            "(SELECT COUNT(*) AS n, MAX(updated_at) AS newest,"  # noqa: S608
            f" MIN(updated_at) AS oldest, MAX(id) AS top FROM ({select}) AS reason{i})"
            f" AS figures{i}"
            for i, select in enumerate(selects)
        )
        return f"SELECT * FROM {aggregates}", params  # noqa: S608

    def rows_sql(self) -> tuple[str, list]:
        """(id, updated_at) of the tickets in the window, newest first."""
        selects, params = self._reasons()
        union = " UNION ".join(
            f"SELECT id, updated_at FROM ({select}) AS reason{i}"  # noqa: S608
            for i, select in enumerate(selects)
        )
        sql = (
            f"SELECT id, updated_at FROM ({union}) AS stale"  # noqa: S608
            f" ORDER BY updated_at DESC, id DESC LIMIT {int(MAX_UNINDEXED)}"
        )
        return sql, params

    def signature(self) -> tuple:
        return self._fetch(*self.signature_sql())[0]

    def rows(self) -> list[tuple[int, object]]:
        return [(int(pk), updated) for pk, updated in self._fetch(*self.rows_sql())]

    @staticmethod
    def _fetch(sql: str, params: list) -> list[tuple]:
        with connections[router.db_for_read(Ticket)].cursor() as cursor:
            cursor.execute(sql, params)
            return [tuple(row) for row in cursor.fetchall()]


class _UnindexedVectors:
    """This process's vectors of the tickets the index does not hold, per model version.

    Each query asks the database for a signature of the window of those tickets (see
    _StaleWindow); only when it changed are they listed, and only the ones new or edited since
    are vectorised, instead of reading and vectorising all of them (up to MAX_UNINDEXED) on
    every request. Their categories (the training label, the slug) come with their text: a
    change of category updates `updated_at`, so it is read again like an edit.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._reset(None)

    def _reset(self, version) -> None:
        self.version = version
        self.signature = None
        self.stamps: dict[int, object] = {}  # id -> updated_at of the text vectorised
        self.labels: dict[int, str | None] = {}  # id -> category slug read with that text
        self.vectors = ExtraVectors(np.zeros(0, dtype=np.int64), sp.csr_matrix((0, 0)))

    def current(self, model, window: _StaleWindow) -> ExtraVectors:
        """The vectors of the tickets in ``window``, as they read now."""
        signature = window.signature()
        with self._lock:
            if self.version != model.version:
                self._reset(model.version)
            if signature == self.signature:
                return self.vectors
            rows = window.rows()
            position = {int(pk): i for i, pk in enumerate(self.vectors.ids)}
            kept = [pk for pk, updated in rows if self.stamps.get(pk) == updated]
            fresh = [pk for pk, updated in rows if self.stamps.get(pk) != updated]
            texts, labels = {}, {}
            for pk, title, description, slug in Ticket.objects.filter(pk__in=fresh).values_list(
                "pk", "title", "description", "category__slug"
            ):
                texts[pk], labels[pk] = join_ticket_text(title, description), slug
            fresh = [pk for pk in fresh if pk in texts]  # deleted meanwhile
            parts = []
            if kept:
                parts.append(self.vectors.vectors[[position[pk] for pk in kept]])
            if fresh:
                parts.append(model.vectorizer.transform([texts[pk] for pk in fresh]))
            matrix = sp.vstack(parts, format="csr") if parts else sp.csr_matrix((0, 0))
            ids = np.asarray(kept + fresh, dtype=np.int64)
            labels = {pk: self.labels[pk] for pk in kept} | labels
            self.vectors = ExtraVectors(ids, matrix, [labels[pk] for pk in kept + fresh])
            self.labels = labels
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
    trained_at = parse_datetime(str(model.metadata.get("trained_at", "")))
    return _unindexed_vectors.current(model, _StaleWindow(newest_indexed, trained_at))


def ticket_similar_list(*, ticket: Ticket, user, top: int) -> list[tuple[Ticket, float]]:
    """The `top` most similar other tickets the user may see, with scores, best first.

    The score is the cosine re-weighted by the model's category probabilities for the
    ticket's text (not by its recorded category): see ml/similarity.py.

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
