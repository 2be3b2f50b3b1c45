"""The triage chain: trained model when confident, else keyword rules, else nothing.

"Confident" is the model's own threshold for the category it chose, learnt in training to
reach ML_TARGET_PRECISION (ml/calibration.py); ML_CONFIDENCE_THRESHOLD, when set, overrides it.
Below it the model does not decide. Each step's prediction carries its explanation (the
model's strongest terms, or the keywords matched), stored on the `classified` event.

Categories are data: they and their keyword rules are read from the Category table and kept
per process until one changes (tickets/triage/catalogue.py).
"""

from dataclasses import dataclass, replace

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
        threshold = model_threshold(model, prediction.label)
        prediction = replace(
            prediction, explanation={**prediction.explanation, "threshold": threshold}
        )
        if (
            prediction.label in by_slug
            and threshold is not None
            and prediction.confidence >= threshold
        ):
            return TriageDecision(by_slug[prediction.label], prediction)

    prediction = catalogue.keywords.predict(title, description)
    if prediction.label in by_slug:
        return TriageDecision(by_slug[prediction.label], prediction)
    return TriageDecision(None, Prediction(label=None, confidence=0.0, source=SOURCE_NONE))


def model_threshold(model, label: str | None) -> float | None:
    """The confidence the model needs to decide ``label``: ML_CONFIDENCE_THRESHOLD when set,
    else the model's learnt threshold (None: the model never decides it)."""
    if settings.ML_CONFIDENCE_THRESHOLD is not None:
        return settings.ML_CONFIDENCE_THRESHOLD
    return model.threshold_for(label)
