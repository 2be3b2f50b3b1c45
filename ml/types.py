"""Value objects returned by the classifiers."""

from dataclasses import dataclass, field

SOURCE_KEYWORDS = "keywords"
SOURCE_MODEL = "model"
SOURCE_MANUAL = "manual"
SOURCE_NONE = "none"


@dataclass(frozen=True)
class Prediction:
    """One classifier's decision for one ticket.

    ``label`` is a category slug, or None when the classifier has no opinion.
    ``top`` holds the best (label, probability) pairs, best first.
    ``explanation`` says why: for the model, the ticket's terms that weighed most
    for the label and the runner-up (ml/explain.py); for the keyword rules, the
    keywords matched.
    """

    label: str | None
    confidence: float
    source: str
    top: list[tuple[str, float]] = field(default_factory=list)
    model_version: str = ""
    explanation: dict = field(default_factory=dict)
