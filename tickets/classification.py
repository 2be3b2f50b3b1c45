"""The triage chain: trained model when confident, else keyword rules, else nothing.

Categories are data: the keyword rules are read from the Category table and rebuilt only
when a category's keywords change.
"""

import threading
from dataclasses import dataclass

from django.conf import settings

from ml.keywords import KeywordClassifier
from ml.types import SOURCE_NONE, Prediction
from tickets.models import Category

_lock = threading.Lock()
_cached: tuple[tuple, KeywordClassifier] | None = None


@dataclass(frozen=True)
class TriageDecision:
    """The chain's verdict: a category (or None) and the prediction of the step that decided."""

    category: Category | None
    prediction: Prediction


def _keyword_classifier(categories: list[Category]) -> KeywordClassifier:
    global _cached
    signature = tuple((c.slug, tuple(c.keywords or ())) for c in categories)
    with _lock:
        if _cached is None or _cached[0] != signature:
            _cached = (signature, KeywordClassifier({c.slug: c.keywords or () for c in categories}))
        return _cached[1]


def _active_model():
    # Imported here: the registry touches the database and the artefact directory.
    from tickets.ml_registry import active_model

    return active_model()


def ticket_triage(*, title: str, description: str) -> TriageDecision:
    """Classify a ticket's text. Reads the database but takes no lock: call it before one."""
    categories = list(Category.objects.select_related("department").order_by("pk"))
    by_slug = {c.slug: c for c in categories}

    model = _active_model()
    if model is not None:
        prediction = model.predict(title, description)
        if (
            prediction.label in by_slug
            and prediction.confidence >= settings.ML_CONFIDENCE_THRESHOLD
        ):
            return TriageDecision(by_slug[prediction.label], prediction)

    prediction = _keyword_classifier(categories).predict(title, description)
    if prediction.label in by_slug:
        return TriageDecision(by_slug[prediction.label], prediction)
    return TriageDecision(None, Prediction(label=None, confidence=0.0, source=SOURCE_NONE))
