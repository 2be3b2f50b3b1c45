"""The trained ticket model: category prediction plus similar-ticket search."""

import itertools
from collections.abc import Collection, Iterator, Sequence

import numpy as np
import scipy.sparse as sp

from ml.calibration import policy_threshold
from ml.candidates import combine_blocks
from ml.explain import explain, word_counts, word_terms
from ml.features import CharVectorizer, TicketVectorizer
from ml.linear import LinearScorer
from ml.similarity import ExtraVectors, SimilarityIndex, category_probabilities
from ml.text import join_ticket_text
from ml.types import SOURCE_MODEL, Prediction

TOP_K = 3
# What models saved before thresholds were learnt were used with (the old default).
LEGACY_POLICY = {"target_precision": None, "reached": True, "threshold": 0.5, "per_class": {}}


class TicketModel:
    """A fitted vectorizer and classifier, and optionally a similarity index.

    ``vectorizer`` (word 1-2 grams) is shared with the similarity index; the
    classifier may also read a character n-gram block (``char_vectorizer``).
    ``policy`` holds the confidence each category needs for the model to decide
    (ml/calibration.py). ``version`` (and ``metadata``) are stamped by
    ``ml.artifacts`` when the model is saved or loaded, so every Prediction says
    which artefact made it.
    """

    # Artefacts pickled before these attributes existed read them from the class.
    char_vectorizer: CharVectorizer | None = None
    policy: dict = LEGACY_POLICY

    def __init__(
        self,
        vectorizer: TicketVectorizer,
        classifier: LinearScorer,
        index: SimilarityIndex | None = None,
        version: str = "",
        *,
        char_vectorizer: CharVectorizer | None = None,
        policy: dict | None = None,
    ):
        self.vectorizer = vectorizer
        self.classifier = classifier
        self.index = index
        self.version = version
        self.char_vectorizer = char_vectorizer
        self.policy = policy if policy is not None else LEGACY_POLICY
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
        """Word TF-IDF vectors (float32 CSR, unit rows) of joined ticket texts, as the
        similarity index uses them."""
        return self.vectorizer.transform(list(texts))

    def features(self, texts: Sequence[str]) -> sp.csr_matrix:
        """The classifier's input: the word vectors, plus the character block if it has one."""
        words = self.vectorize(texts)
        if self.char_vectorizer is None:
            return words
        return combine_blocks(words, self.char_vectorizer.transform(list(texts)))

    def predict_proba(self, vectors: sp.csr_matrix) -> np.ndarray:
        """Class probabilities of ``features`` rows, columns as ``classes``."""
        return self.classifier.predict_proba(vectors)

    def threshold_for(self, label: str) -> float | None:
        """The confidence the model needs to decide ``label``; None: it never does."""
        return policy_threshold(self.policy, label)

    def predict(self, title: str, description: str, *, explain_terms: bool = True) -> Prediction:
        """The most likely category, its probability, the best three and why."""
        text = join_ticket_text(title, description)
        # Tokenised once, for the vector and for the explanation.
        terms = word_terms(self.vectorizer, text)
        counts = word_counts(terms, self.vectorizer.n_features)
        vector = self.vectorizer.weight(counts, in_place=True)
        if self.char_vectorizer is not None:
            vector = combine_blocks(vector, self.char_vectorizer.transform([text]))
        probabilities = self.predict_proba(vector)[0]
        # Stable sort: equal probabilities keep class order, so output is deterministic.
        order = np.argsort(-probabilities, kind="stable")[:TOP_K]
        classes = self.classes
        top = [(classes[i], float(probabilities[i])) for i in order]
        explanation = {}
        if explain_terms:
            explanation = explain(self, text, vector, [int(i) for i in order[:2]], terms)
            explanation["threshold"] = self.threshold_for(top[0][0])
        return Prediction(
            label=top[0][0],
            confidence=top[0][1],
            source=SOURCE_MODEL,
            top=top,
            model_version=self.version,
            explanation=explanation,
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
        text = join_ticket_text(title, description)
        vector = self.vectorize([text])
        # The index compares word vectors; the classifier may also read a character block.
        scoring = vector
        if self.char_vectorizer is not None:
            scoring = combine_blocks(vector, self.char_vectorizer.transform([text]))
        probabilities = category_probabilities(self, scoring)
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
