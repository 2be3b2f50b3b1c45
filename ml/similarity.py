"""Nearest tickets: cosine similarity of their TF-IDF vectors, re-weighted by category.

The index stores the unit-length ticket vectors transposed, as a float32 CSR
matrix of shape (n_features, n_tickets): each row is the posting list of one
term. Scoring a query then only touches the tickets that share a term with it
instead of every non-zero of the corpus, which is what keeps a query at
100,000 tickets in single-digit milliseconds.

Cosine alone ranked no better than scikit-learn's plain ``TfidfVectorizer()`` at
finding tickets of the query's category (precision at 5 on the real sample, see
docs/triage.md and ``python -m ml.evaluate_similar``). So each candidate's cosine
is combined with the classifier's probability that the query belongs to the
candidate's category, as a noisy-or: ``1 - (1 - cosine) * (1 - w * p)``. The score
stays in [0, 1], an identical text still scores 1, a candidate whose category the
query cannot be in keeps its cosine, and when the classifier is unsure (the same
p for every category) the order is the cosine's. Only tickets sharing a term with
the query are candidates, so a category alone never brings in an unrelated ticket.
The index keeps one small integer per ticket for its category (2 MB at 1,000,000).
"""

import itertools
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import scipy.sparse as sp

from ml.features import TicketVectorizer

# First batch ranked by ranked(); each later batch is four times larger, so a
# caller that stops early never pays for sorting every candidate.
_FIRST_BATCH = 64
# w in the noisy-or above: how much a category match can add. 0.25-0.9 scored within
# 0.005 of each other on the real sample; 0.5 is in the middle of that plateau.
CATEGORY_WEIGHT = 0.5
_NO_LABEL = -1


class CategoryScorer(Protocol):
    """What re-ranking needs of a model: its labels and their probabilities for vectors
    (``ml.model.TicketModel`` has both)."""

    @property
    def classes(self) -> list[str]: ...

    def predict_proba(self, vectors: sp.csr_matrix) -> np.ndarray: ...


def category_probabilities(scorer: CategoryScorer, vector: sp.csr_matrix) -> dict[str, float]:
    """The probability, for each category the scorer knows, that ``vector`` belongs to it."""
    probabilities = scorer.predict_proba(vector)[0]
    return {str(label): float(p) for label, p in zip(scorer.classes, probabilities, strict=True)}


def _label_codes(labels: Sequence[str | None]) -> tuple[tuple[str, ...], np.ndarray]:
    """Distinct labels, and each row's position among them (-1 for none)."""
    names = tuple(sorted({str(label) for label in labels if label is not None}))
    position = {name: i for i, name in enumerate(names)}
    codes = np.fromiter(
        (_NO_LABEL if label is None else position[str(label)] for label in labels),
        dtype=np.int32 if len(names) >= 2**15 else np.int16,
        count=len(labels),
    )
    return names, codes


def _label_probabilities(
    names: Sequence[str], codes: np.ndarray, probabilities: Mapping[str, float]
) -> np.ndarray:
    """Per row, the probability of its label; 0 for no label or one the model does not know."""
    # The last entry answers code -1.
    lookup = np.array([probabilities.get(name, 0.0) for name in names] + [0.0], dtype=np.float32)
    return lookup[codes]


@dataclass(frozen=True)
class ExtraVectors:
    """Tickets outside the index, already vectorised (``SimilarityIndex.vectorize_extra``),
    so that a caller can keep them between queries instead of vectorising them each time."""

    ids: np.ndarray
    vectors: sp.csr_matrix
    # Each ticket's category (None: uncategorised), for re-ranking.
    labels: Sequence[str | None] | None = None
    _codes: tuple = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        labels = self.labels if self.labels is not None else [None] * len(self.ids)
        if len(labels) != len(self.ids):
            raise ValueError("one label (or None) per extra ticket is required")
        object.__setattr__(self, "_codes", _label_codes(labels))

    def __len__(self) -> int:
        return len(self.ids)

    def label_probabilities(self, probabilities: Mapping[str, float]) -> np.ndarray:
        return _label_probabilities(*self._codes, probabilities)


class SimilarityIndex:
    """Cosine-similarity search over the tickets seen at training time.

    ``extra`` tickets (created after training) are given as (id, text) pairs,
    text being ``ml.text.join_ticket_text(title, description)``; they are
    vectorised per query and ranked together with the indexed ones.

    ``labels``, the tickets' categories, let ``ranked`` re-weight by the query's
    category probabilities; an index without them (or an artefact saved before
    they existed) ranks by cosine alone.
    """

    # Class-level defaults: artefacts pickled before labels existed lack these attributes.
    label_names: tuple[str, ...] = ()
    label_codes: np.ndarray | None = None

    def __init__(
        self,
        ids: Sequence[int],
        vectors: sp.csr_matrix,
        vectorizer: TicketVectorizer,
        labels: Sequence[str | None] | None = None,
    ):
        if len(ids) != vectors.shape[0]:
            raise ValueError("one id per vector row is required")
        if labels is not None:
            if len(labels) != len(ids):
                raise ValueError("one label (or None) per vector row is required")
            self.label_names, self.label_codes = _label_codes(labels)
        self.ids = np.asarray(ids, dtype=np.int64)
        self.postings = sp.csr_matrix(vectors).T.tocsr()
        if self.postings.dtype != np.float32:
            self.postings = self.postings.astype(np.float32)
        self.vectorizer = vectorizer

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def nbytes(self) -> int:
        """Memory held by the index arrays."""
        p = self.postings
        labels = 0 if self.label_codes is None else self.label_codes.nbytes
        return self.ids.nbytes + p.data.nbytes + p.indices.nbytes + p.indptr.nbytes + labels

    def _vector(self, text_or_vector: str | sp.spmatrix) -> sp.csr_matrix:
        if isinstance(text_or_vector, str):
            return self.vectorizer.transform([text_or_vector])
        return sp.csr_matrix(text_or_vector, dtype=np.float32)

    def vectorize_extra(self, extra: Sequence[tuple[int, str]]) -> ExtraVectors:
        """(id, text) pairs of tickets outside the index, vectorised for ``ranked``;
        (id, text, label) triples also give each one's category for re-ranking."""
        ids = np.fromiter((row[0] for row in extra), dtype=np.int64, count=len(extra))
        vectors = self.vectorizer.transform([row[1] for row in extra])
        labels = [row[2] if len(row) > 2 else None for row in extra]
        return ExtraVectors(ids, vectors, labels)

    def _reweighted(self, scores, label_probabilities: np.ndarray) -> np.ndarray:
        """The noisy-or of the module docstring; in place on ``scores``."""
        scores -= 1.0
        scores *= 1.0 - CATEGORY_WEIGHT * label_probabilities
        scores += 1.0
        return scores

    def _scores(
        self, query: sp.csr_matrix, exclude_ids, extra, probabilities
    ) -> tuple[np.ndarray, np.ndarray]:
        """Ids and scores of every candidate with a non-zero cosine."""
        row = (query @ self.postings).tocsr()
        ids, scores = self.ids[row.indices], row.data
        if probabilities and self.label_codes is not None:
            codes = self.label_codes[row.indices]
            scores = self._reweighted(
                scores, _label_probabilities(self.label_names, codes, probabilities)
            )
        if len(extra):
            if not isinstance(extra, ExtraVectors):
                extra = self.vectorize_extra(extra)
            # A ticket edited after training is in both: its fresh text wins.
            keep = ~np.isin(ids, extra.ids)
            extra_scores = (extra.vectors @ query.T).toarray().ravel()
            # Only tickets sharing a term are candidates, before and after re-weighting.
            found = extra_scores > 0
            extra_ids, extra_scores = extra.ids[found], extra_scores[found]
            if probabilities:
                weights = extra.label_probabilities(probabilities)[found]
                extra_scores = self._reweighted(extra_scores, weights)
            ids = np.concatenate([ids[keep], extra_ids])
            scores = np.concatenate([scores[keep], extra_scores])
        keep = scores > 0
        if len(exclude_ids):
            keep &= ~np.isin(ids, np.fromiter(exclude_ids, dtype=np.int64))
        return ids[keep], scores[keep]

    def ranked(
        self,
        text_or_vector: str | sp.spmatrix,
        *,
        exclude_ids: Collection[int] = (),
        extra: Sequence[tuple] | ExtraVectors = (),
        category_probabilities: Mapping[str, float] | None = None,
    ) -> Iterator[tuple[int, float]]:
        """Yield (id, score) best first, lazily, until candidates run out.

        ``extra``: tickets outside the index, as (id, text) pairs or already vectorised.
        ``category_probabilities`` (``category_probabilities(model, query_vector)``):
        re-weight by category as the module docstring says; without them (or without
        labels) the score is the cosine.

        Scores are computed once; sorting happens in growing batches, so a
        caller that filters candidates (by visibility, say) and stops after
        enough hits pays for little more than what it consumed. Ties are
        broken by the smaller id so the order is deterministic.
        """
        ids, scores = self._scores(
            self._vector(text_or_vector), exclude_ids, extra, category_probabilities
        )
        batch = _FIRST_BATCH
        while len(ids):
            if batch < len(ids):
                # Everything tied with the k-th best joins this batch, so a tie
                # never straddles two batches and the id tie-break stays exact.
                kth = scores[np.argpartition(-scores, batch - 1)[batch - 1]]
                take = scores >= kth
            else:
                take = np.ones(len(ids), dtype=bool)
            chosen_ids, chosen_scores = ids[take], scores[take]
            for i in np.lexsort((chosen_ids, -chosen_scores)):
                yield int(chosen_ids[i]), float(chosen_scores[i])
            ids, scores = ids[~take], scores[~take]
            batch *= 4

    def query(
        self,
        text_or_vector: str | sp.spmatrix,
        *,
        top: int,
        exclude_ids: Collection[int] = (),
        extra: Sequence[tuple] | ExtraVectors = (),
        category_probabilities: Mapping[str, float] | None = None,
    ) -> list[tuple[int, float]]:
        """The ``top`` most similar tickets as (id, score), best first (see ``ranked``)."""
        if top <= 0:
            return []
        ranked = self.ranked(
            text_or_vector,
            exclude_ids=exclude_ids,
            extra=extra,
            category_probabilities=category_probabilities,
        )
        return list(itertools.islice(ranked, top))
