"""The promotion gate: whether a newly trained model may replace the active one.

Both models are scored (macro-F1, ml/promotion.py) on the same rows, the held-out split of
the new training; the new model becomes active only when it is not worse than the active
one by more than ML_PROMOTION_TOLERANCE. Otherwise it is registered as `rejected` with both
scores, and staff can still activate it (POST /api/ml/models/{version}/activate/). With no
model active, the new one is activated (`first`); with an active model whose artefact cannot
be loaded (triage is on keywords meanwhile), the new one passes.

The scoring is slow work: it runs before the transaction that registers the model.
"""

from dataclasses import dataclass, field

from django.conf import settings

from ml.model import TicketModel
from ml.promotion import holdout_macro_f1, promotion_passes
from tickets.models import ModelGate
from tickets.triage.registry import active_model, active_row


@dataclass(frozen=True)
class GateVerdict:
    gate: str
    scores: dict = field(default_factory=dict)

    @property
    def activates(self) -> bool:
        return self.gate != ModelGate.REJECTED


def gate_verdict(
    *, candidate: TicketModel, holdout_texts: list[str], holdout_labels: list[str]
) -> GateVerdict:
    """Score the candidate and the active model on the candidate's held-out rows."""
    row = active_row()
    if row is None:
        return GateVerdict(ModelGate.FIRST)
    tolerance = float(settings.ML_PROMOTION_TOLERANCE)
    scores = {
        "active_version": row[0],
        "tolerance": tolerance,
        "n_rows": len(holdout_labels),
        "candidate_macro_f1": round(holdout_macro_f1(candidate, holdout_texts, holdout_labels), 6),
    }
    active = active_model()
    if active is None or active.version != row[0]:
        scores["active_macro_f1"] = None
        scores["note"] = "the active model's artefact cannot be loaded"
        return GateVerdict(ModelGate.PASSED, scores)
    scores["active_macro_f1"] = round(holdout_macro_f1(active, holdout_texts, holdout_labels), 6)
    passes = promotion_passes(
        candidate_f1=scores["candidate_macro_f1"],
        active_f1=scores["active_macro_f1"],
        tolerance=tolerance,
    )
    return GateVerdict(ModelGate.PASSED if passes else ModelGate.REJECTED, scores)
