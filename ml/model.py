"""The trained ticket model: category prediction plus similar-ticket search."""

import itertools
from collections.abc import Collection, Iterator, Sequence

import numpy as np
import scipy.sparse as sp

from ml.features import TicketVectorizer
from ml.linear import LinearScorer
from ml.similarity import ExtraVectors, SimilarityIndex, category_probabilities
from ml.text import join_ticket_text
from ml.types import SOURCE_MODEL, Prediction

TOP_K = 3


class TicketModel:
    """A fitted vectorizer and classifier, and optionally a similarity index.

    ``version`` (and ``metadata``) are stamped by ``ml.artifacts`` when the
    model is saved or loaded, so every Prediction says which artefact made it.
    """

    def __init__(
        self,
        vectorizer: TicketVectorizer,
        classifier: LinearScorer,
        index: SimilarityIndex | None = None,
        version: str = "",
    ):
        self.vectorizer = vectorizer
        self.classifier = classifier
        self.index = index
        self.version = version
        # Training figures from train_classifier, plus version and library
        # versions from ml.artifacts.
        self.metadata: dict = {}

    @property
    def classes(self) -> list[str]:
        """Category labels in the column order of ``predict_proba``."""
        return [str(c) for c in self.classifier.classes_]

    @property
    def has_similarity_index(self) -> bool:
        return self.index is not None

    def vectorize(self, texts: Sequence[str]) -> sp.csr_matrix:
        """TF-IDF vectors (float32 CSR, unit rows) of joined ticket texts."""
        return self.vectorizer.transform(list(texts))

    def predict_proba(self, vectors: sp.csr_matrix) -> np.ndarray:
        """Class probabilities, one row per vector, columns as ``classes``."""
        return self.classifier.predict_proba(vectors)

    def predict(self, title: str, description: str) -> Prediction:
        """The most likely category, its probability and the best three."""
        vector = self.vectorize([join_ticket_text(title, description)])
        probabilities = self.predict_proba(vector)[0]
        # Stable sort: equal probabilities keep class order, so output is deterministic.
        order = np.argsort(-probabilities, kind="stable")[:TOP_K]
        classes = self.classes
        top = [(classes[i], float(probabilities[i])) for i in order]
        return Prediction(
            label=top[0][0],
            confidence=top[0][1],
            source=SOURCE_MODEL,
            top=top,
            model_version=self.version,
        )

    def similar_ranked(
        self,
        title: str,
        description: str,
        *,
        exclude_ids: Collection[int] = (),
        extra: Sequence[tuple[int, str]] | ExtraVectors = (),
    ) -> Iterator[tuple[int, float]]:
        """Lazily yield (ticket id, score), best first; empty without an index.

        The score is the cosine re-weighted by this model's category probabilities for
        the query (``ml.similarity``). For callers that filter candidates (e.g. by
        visibility) and stop once they have enough; see ``SimilarityIndex.ranked``.
        """
        if self.index is None:
            return iter(())
        vector = self.vectorize([join_ticket_text(title, description)])
        probabilities = category_probabilities(self, vector)
        return self.index.ranked(
            vector, exclude_ids=exclude_ids, extra=extra, category_probabilities=probabilities
        )

    def similar(
        self,
        title: str,
        description: str,
        *,
        top: int = 5,
        exclude_ids: Collection[int] = (),
        extra: Sequence[tuple[int, str]] = (),
    ) -> list[tuple[int, float]]:
        """The ``top`` most similar tickets as (id, score); [] without an index."""
        if top <= 0:
            return []
        ranked = self.similar_ranked(title, description, exclude_ids=exclude_ids, extra=extra)
        return list(itertools.islice(ranked, top))
