"""The promotion gate: whether a newly trained model may replace the active one.

Both models are scored (macro-F1, ml/promotion.py) on the same held-out rows, and each only
on rows it never trained on. The saved model is refitted on every row, so the new model's
score comes from its evaluation model, fitted without the held-out rows
(`TrainingResult.holdout_predicted`); the active model trained on every ticket up to the
highest id it saw (`params.max_ticket_id`), so the rows compared are the held-out tickets
newer than that, except those whose category the active model decided itself and nobody
corrected (their label is its own prediction: it would score itself right). With fewer than
MIN_UNSEEN_ROWS such rows (a retrain with little new history, e.g. to take corrections in),
there is no honest common ground: the new model passes, with `gate_scores.basis` =
`too_few_new_rows` and both models' own held-out estimates (`metrics.macro_f1`, each on a
different split) for information only, since on small splits they differ by more than the
tolerance by chance alone.

The new model becomes active when it is not worse than the active one by more than
ML_PROMOTION_TOLERANCE. Otherwise it is registered as `rejected` with both scores, and staff
can still activate it (POST /api/ml/models/{version}/activate/). With no model active, the new
one is activated (`first`); with an active model whose artefact cannot be loaded (triage is on
keywords meanwhile), or that did not record the tickets it learnt from (trained before the
gate), the new one passes with a `note` saying so.

The scoring is slow work: it runs before the transaction that registers the model.
"""

from dataclasses import dataclass, field

from django.conf import settings

from ml.promotion import decisions_macro_f1, holdout_macro_f1, promotion_passes
from ml.training import TrainingResult
from tickets.models import ClassifiedBy, ClassifierModel, ModelGate, Ticket
from tickets.triage.registry import active_model, active_row

# Below this many new held-out rows a macro-F1 over them is too noisy to decide by.
MIN_UNSEEN_ROWS = 30


@dataclass(frozen=True)
class GateVerdict:
    gate: str
    scores: dict = field(default_factory=dict)

    @property
    def activates(self) -> bool:
        return self.gate != ModelGate.REJECTED


def gate_verdict(*, result: TrainingResult) -> GateVerdict:
    """Score the new training's model against the active one (see the module docstring)."""
    row = active_row()
    if row is None:
        return GateVerdict(ModelGate.FIRST)
    record = ClassifierModel.objects.filter(version=row[0]).values("params", "metrics").first()
    through = (record or {}).get("params", {}).get("max_ticket_id")
    scores = {"active_version": row[0], "tolerance": float(settings.ML_PROMOTION_TOLERANCE)}
    active = active_model()
    if active is None or active.version != row[0]:
        scores |= {"active_macro_f1": None, "candidate_macro_f1": None}
        scores |= {"candidate_estimate": None, "active_estimate": None}
        scores["note"] = "the active model's artefact cannot be loaded"
        return GateVerdict(ModelGate.PASSED, scores)

    # Each model's own held-out estimate, on its own split: shown, never compared.
    estimates = {
        "candidate_estimate": result.metrics.get("macro_f1"),
        "active_estimate": (record or {}).get("metrics", {}).get("macro_f1"),
    }
    scores |= {k: None if v is None else round(v, 6) for k, v in estimates.items()}
    unseen = []
    if through is None:
        scores["note"] = "the active model did not record the tickets it learnt from"
    elif result.holdout_predicted:
        newer = {
            ticket_id: i for i, ticket_id in enumerate(result.holdout_ids) if ticket_id > through
        }
        self_labelled = set(
            Ticket.objects.filter(
                pk__gt=through, classified_by=ClassifiedBy.MODEL, model_version=row[0]
            ).values_list("pk", flat=True)
        )
        unseen = sorted(i for ticket_id, i in newer.items() if ticket_id not in self_labelled)
    if len(unseen) >= MIN_UNSEEN_ROWS:
        labels = [result.holdout_labels[i] for i in unseen]
        candidate_f1 = decisions_macro_f1(labels, [result.holdout_predicted[i] for i in unseen])
        active_f1 = holdout_macro_f1(active, [result.holdout_texts[i] for i in unseen], labels)
        scores |= {"basis": "unseen_rows", "n_rows": len(unseen), "min_rows": MIN_UNSEEN_ROWS}
    else:
        scores |= {"basis": "too_few_new_rows", "n_rows": len(unseen), "min_rows": MIN_UNSEEN_ROWS}
        scores |= {"candidate_macro_f1": None, "active_macro_f1": None}
        return GateVerdict(ModelGate.PASSED, scores)
    scores["candidate_macro_f1"] = round(candidate_f1, 6)
    scores["active_macro_f1"] = round(active_f1, 6)
    passes = promotion_passes(
        candidate_f1=scores["candidate_macro_f1"],
        active_f1=scores["active_macro_f1"],
        tolerance=scores["tolerance"],
    )
    return GateVerdict(ModelGate.PASSED if passes else ModelGate.REJECTED, scores)
