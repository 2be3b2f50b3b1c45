"""Why the model chose a category: the ticket's own terms that pushed it there.

A linear model's score for a class is the sum over features of (the ticket's
weight for the feature) x (the class's weight for it). Features are hashed, so
the model does not know their names; the ticket does: each of its word 1-2
grams is hashed the way ml/features.py hashes it and its bucket's contribution
looked up. So an explanation only ever names terms present in the ticket. When
the model also uses character n-grams, each one's contribution goes to the
words of the ticket it occurs in (shared equally). Contributions are in
calibrated score units (divided by the model's temperature). Cost: a few
hundred hashes and one sparse row lookup per class, well under a millisecond.
"""

from collections import defaultdict
from functools import lru_cache

import numpy as np
import scipy.sparse as sp
from sklearn.utils import murmurhash3_32

from ml.features import CHAR_NGRAM_RANGE, build_hasher

TOP_TERMS = 5
_INT_MIN = -(2**31)


def bucket(term: str, n_features: int) -> int:
    """The column HashingVectorizer (alternate_sign=False) puts ``term`` in."""
    h = murmurhash3_32(term, seed=0, positive=False)
    if h == _INT_MIN:  # abs() overflows in the library's C code; it special-cases it too
        return (2147483647 - (n_features - 1)) % n_features
    return abs(h) % n_features


@lru_cache(maxsize=8)
def _analyzer(n_features: int, ngram_range: tuple, kind: str = "word"):
    return build_hasher(n_features, ngram_range, kind).build_analyzer()


def word_terms(vectorizer, text: str) -> list[tuple[str, int]]:
    """(term, feature) of every word 1-2 gram of ``text``, in order, repeats included:
    exactly what the vectorizer's hasher counts."""
    n_features = vectorizer.n_features
    analyzer = _analyzer(n_features, tuple(vectorizer.ngram_range))
    return [(term, bucket(term, n_features)) for term in analyzer(text)]


def word_counts(terms: list[tuple[str, int]], n_features: int) -> sp.csr_matrix:
    """The hashed counts row of ``terms``, as ``hashed_counts`` would give for the text."""
    features, counts = np.unique(
        np.fromiter((f for _, f in terms), dtype=np.int64, count=len(terms)), return_counts=True
    )
    indptr = np.array([0, len(features)], dtype=np.int32)
    data = counts.astype(np.float32)
    return sp.csr_matrix((data, features.astype(np.int32), indptr), shape=(1, n_features))


def _contributions(
    model, text: str, vector: sp.csr_matrix, classes: list[int], terms=None
) -> list[dict]:
    """Per class in ``classes``: term -> its contribution to that class's score."""
    scorer = model.classifier
    scale = 1.0 / (scorer.temperature or 1.0)
    row = vector.tocsr()
    values = dict(zip(row.indices.tolist(), row.data.tolist(), strict=True))
    n_words = model.vectorizer.n_features
    if terms is None:
        terms = word_terms(model.vectorizer, text)
    # term, feature, share of the feature's contribution
    parts: list[tuple[str, int, float]] = []
    seen: set[int] = set()
    for term, feature in terms:
        if feature not in seen:  # a repeated term or a collision counts once, first name
            seen.add(feature)
            parts.append((term, feature, 1.0))
    chars = getattr(model, "char_vectorizer", None)
    if chars is not None:
        parts += _char_parts(chars, n_words, text)
    result: list[dict] = [defaultdict(float) for _ in classes]
    if not parts:
        return result
    features = np.fromiter((feature for _, feature, _ in parts), dtype=np.int64, count=len(parts))
    weights = scorer.feature_rows(features)[:, classes]
    for (term, feature, share), row in zip(parts, weights.tolist(), strict=True):
        x = values.get(feature, 0.0) * share * scale
        for contributions, weight in zip(result, row, strict=True):
            contributions[term] += x * weight
    return result


def _char_parts(chars, offset: int, text: str) -> list[tuple[str, int, float]]:
    """(word, feature, share): each character n-gram's feature, shared by its words."""
    char_analyzer = _analyzer(chars.n_features, tuple(CHAR_NGRAM_RANGE), "char_wb")
    owners: dict[int, list[str]] = defaultdict(list)
    for word in dict.fromkeys(_analyzer(2**20, (1, 1))(text)):
        for gram in set(char_analyzer(word)):
            owners[offset + bucket(gram, chars.n_features)].append(word)
    return [
        (word, feature, 1.0 / len(words)) for feature, words in owners.items() for word in words
    ]


def top_terms(contributions: dict, *, n: int = TOP_TERMS) -> list[dict]:
    """The terms that pushed most towards the class (positive contributions only)."""
    ranked = sorted(
        ((term, value) for term, value in contributions.items() if value > 0),
        key=lambda item: (-item[1], item[0]),
    )
    return [{"term": term, "weight": round(value, 4)} for term, value in ranked[:n]]


def explain(model, text: str, vector: sp.csr_matrix, ranked_classes: list[int], terms=None) -> dict:
    """The chosen class's (and the runner-up's) strongest terms from the ticket's text;
    ``terms`` are its ``word_terms`` when the caller has them already."""
    labels = model.classes
    contributions = _contributions(model, text, vector, ranked_classes[:2], terms)
    explanation = {"label": labels[ranked_classes[0]], "terms": top_terms(contributions[0])}
    if len(ranked_classes) > 1:
        explanation["runner_up"] = {
            "label": labels[ranked_classes[1]],
            "terms": top_terms(contributions[1]),
        }
    return explanation
