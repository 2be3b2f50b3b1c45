"""The triage chain: trained model when confident, else keyword rules, else nothing.

Categories are data: they and their keyword rules are read from the Category table and kept
per process until one changes (tickets/triage/catalogue.py).
"""

from dataclasses import dataclass

from django.conf import settings

from ml.types import SOURCE_NONE, Prediction
from tickets.models import Category
from tickets.triage.catalogue import triage_catalogue


@dataclass(frozen=True)
class TriageDecision:
    """The chain's verdict: a category (or None) and the prediction of the step that decided."""

    category: Category | None
    prediction: Prediction


def _active_model():
    # Imported here: the registry touches the database and the artefact directory.
    from tickets.triage.registry import active_model

    return active_model()


def ticket_triage(*, title: str, description: str) -> TriageDecision:
    """Classify a ticket's text. Reads the database but takes no lock: call it before one."""
    catalogue = triage_catalogue()
    by_slug = catalogue.by_slug

    model = _active_model()
    if model is not None:
        prediction = model.predict(title, description)
        if (
            prediction.label in by_slug
            and prediction.confidence >= settings.ML_CONFIDENCE_THRESHOLD
        ):
            return TriageDecision(by_slug[prediction.label], prediction)

    prediction = catalogue.keywords.predict(title, description)
    if prediction.label in by_slug:
        return TriageDecision(by_slug[prediction.label], prediction)
    return TriageDecision(None, Prediction(label=None, confidence=0.0, source=SOURCE_NONE))
