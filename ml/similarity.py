"""Nearest tickets by cosine similarity of their TF-IDF vectors.

The index stores the unit-length ticket vectors transposed, as a float32 CSR
matrix of shape (n_features, n_tickets): each row is the posting list of one
term. Scoring a query then only touches the tickets that share a term with it
instead of every non-zero of the corpus, which is what keeps a query at
100,000 tickets in single-digit milliseconds.
"""

import itertools
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ml.features import TicketVectorizer

# First batch ranked by ranked(); each later batch is four times larger, so a
# caller that stops early never pays for sorting every candidate.
_FIRST_BATCH = 64


@dataclass(frozen=True)
class ExtraVectors:
    """Tickets outside the index, already vectorised (``SimilarityIndex.vectorize_extra``),
    so that a caller can keep them between queries instead of vectorising them each time."""

    ids: np.ndarray
    vectors: sp.csr_matrix

    def __len__(self) -> int:
        return len(self.ids)


class SimilarityIndex:
    """Cosine-similarity search over the tickets seen at training time.

    ``extra`` tickets (created after training) are given as (id, text) pairs,
    text being ``ml.text.join_ticket_text(title, description)``; they are
    vectorised per query and ranked together with the indexed ones.
    """

    def __init__(self, ids: Sequence[int], vectors: sp.csr_matrix, vectorizer: TicketVectorizer):
        if len(ids) != vectors.shape[0]:
            raise ValueError("one id per vector row is required")
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
        return self.ids.nbytes + p.data.nbytes + p.indices.nbytes + p.indptr.nbytes

    def _vector(self, text_or_vector: str | sp.spmatrix) -> sp.csr_matrix:
        if isinstance(text_or_vector, str):
            return self.vectorizer.transform([text_or_vector])
        return sp.csr_matrix(text_or_vector, dtype=np.float32)

    def vectorize_extra(self, extra: Sequence[tuple[int, str]]) -> ExtraVectors:
        """(id, text) pairs of tickets outside the index, vectorised for ``ranked``."""
        ids = np.fromiter((i for i, _ in extra), dtype=np.int64, count=len(extra))
        return ExtraVectors(ids, self.vectorizer.transform([text for _, text in extra]))

    def _scores(self, query: sp.csr_matrix, exclude_ids, extra) -> tuple[np.ndarray, np.ndarray]:
        """Ids and scores of every candidate with a non-zero score."""
        row = (query @ self.postings).tocsr()
        ids, scores = self.ids[row.indices], row.data
        if len(extra):
            if not isinstance(extra, ExtraVectors):
                extra = self.vectorize_extra(extra)
            extra_ids = extra.ids
            extra_scores = (extra.vectors @ query.T).toarray().ravel()
            # A ticket edited after training is in both: its fresh text wins.
            keep = ~np.isin(ids, extra_ids)
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
        extra: Sequence[tuple[int, str]] | ExtraVectors = (),
    ) -> Iterator[tuple[int, float]]:
        """Yield (id, cosine score) best first, lazily, until candidates run out.

        ``extra``: tickets outside the index, as (id, text) pairs or already vectorised.

        Scores are computed once; sorting happens in growing batches, so a
        caller that filters candidates (by visibility, say) and stops after
        enough hits pays for little more than what it consumed. Ties are
        broken by the smaller id so the order is deterministic.
        """
        ids, scores = self._scores(self._vector(text_or_vector), exclude_ids, extra)
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
        extra: Sequence[tuple[int, str]] = (),
    ) -> list[tuple[int, float]]:
        """The ``top`` most similar tickets as (id, cosine score), best first."""
        if top <= 0:
            return []
        ranked = self.ranked(text_or_vector, exclude_ids=exclude_ids, extra=extra)
        return list(itertools.islice(ranked, top))
