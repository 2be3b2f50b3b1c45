"""The promotion gate's arithmetic: two models scored on the same held-out rows.

A newly trained model replaces the active one only when its macro-F1 on held-out rows is not
worse than the active model's on those same rows by more than a tolerance. Each model must be
scored on rows it never trained on: the new one through its evaluation model's predictions
(`TrainingResult.holdout_predicted`), the active one on the rows newer than its training.
The caller (tickets/triage/gate.py) picks the rows and records the verdict.
"""

from collections.abc import Sequence

import numpy as np

from ml.metrics import classification_metrics
from ml.model import TicketModel

# Rows vectorised and scored at a time, to bound memory on large held-out sets.
CHUNK = 20_000


def predicted_labels(model: TicketModel, texts: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """Each text's most likely label and its probability, as the model would decide."""
    classes = np.asarray(model.classes, dtype=object)
    labels: list[str] = []
    confidence = []
    for start in range(0, len(texts), CHUNK):
        probabilities = model.predict_proba(model.features(texts[start : start + CHUNK]))
        labels += classes[probabilities.argmax(axis=1)].tolist()
        confidence.append(probabilities.max(axis=1))
    return labels, (np.concatenate(confidence) if confidence else np.zeros(0))


def holdout_macro_f1(model: TicketModel, texts: Sequence[str], labels: Sequence[str]) -> float:
    """Macro-F1 of the model's decisions on labelled rows, over the rows' labels: a label the
    model does not know counts against it (it can never be predicted)."""
    predicted, confidence = predicted_labels(model, texts)
    return float(
        classification_metrics(list(labels), predicted, confidence, sorted(set(labels)))["macro_f1"]
    )


def decisions_macro_f1(labels: Sequence[str], predicted: Sequence[str]) -> float:
    """Macro-F1 of decisions already made, over the rows' labels."""
    return float(
        classification_metrics(
            list(labels), list(predicted), np.ones(len(labels)), sorted(set(labels))
        )["macro_f1"]
    )


def promotion_passes(*, candidate_f1: float, active_f1: float, tolerance: float) -> bool:
    """Whether the candidate is not worse than the active model beyond `tolerance`."""
    # Rounded: two equal scores computed in different orders must not differ by 1e-17.
    return round(candidate_f1 - active_f1, 9) >= -tolerance
