"""How well triage does, per model version and per category: who decided (model, keyword
rules, nobody), how often a person corrected the category (and moved the ticket to another
department: a misroute), how often the ticket was reassigned afterwards, and the confidence
threshold in force.

A decision is counted once per ticket created in the window, under what triage decided:
- a ticket whose category a person has not changed since triage counts under its own fields
  (classified_by, model_version, category);
- a corrected ticket counts under the decision its correction recorded
  (tickets/models/corrections.py), as corrected.
(A ticket corrected, re-triaged by the model and corrected again is two decisions.) Tickets
whose category was set by hand from the start are no decision of triage's and are left out.

Four queries, whatever the number of tickets: the uncorrected decisions and the corrections,
each grouped in the database, then the category labels and the models' thresholds.
"""

from collections import defaultdict
from datetime import datetime
from numbers import Real

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q

from tickets.analytics import labels as L
from tickets.analytics.selectors import analytics_department_id, dated_tickets
from tickets.analytics.windows import Window
from tickets.models import (
    ClassifiedBy,
    ClassifierModel,
    EventKind,
    TicketEvent,
    TriageCorrection,
)

SOURCES = (ClassifiedBy.MODEL, ClassifiedBy.KEYWORDS, ClassifiedBy.NONE)
COUNTS = ("tickets", *SOURCES, "corrected", "misrouted", "reassigned")
RATES = {
    "correction_rate": "corrected",
    "misroute_rate": "misrouted",
    "reassignment_rate": "reassigned",
}


def _reassigned(ticket_field: str) -> Exists:
    """Whether the ticket was reassigned at least once (by hand, or by routing after a
    category change): the agent triage's routing chose did not keep it."""
    return Exists(
        TicketEvent.objects.filter(ticket_id=OuterRef(ticket_field), kind=EventKind.REASSIGNED)
    )


def _decision_rows(*, department_id: int | None, window: Window):
    """(classified_by, model_version, category id, tickets, corrected, misrouted, reassigned)
    of the uncorrected decisions, then of the corrections."""
    tickets = dated_tickets().filter(**window.lookup("created_at"), classified_by__in=SOURCES)
    corrections = TriageCorrection.objects.order_by().filter(
        ticket__is_undated_history=False,
        **{f"ticket__{key}": value for key, value in window.lookup("created_at").items()},
    )
    if department_id is not None:
        tickets = tickets.filter(department_id=department_id)
        corrections = corrections.filter(ticket__department_id=department_id)
    uncorrected = tickets.values("classified_by", "model_version", "category_id").annotate(
        tickets=Count("*"), reassigned=Count("pk", filter=Q(_reassigned("pk")))
    )
    for row in uncorrected:
        yield (
            row["classified_by"],
            row["model_version"],
            row["category_id"],
            row["tickets"],
            0,
            0,
            row["reassigned"],
        )
    corrected = corrections.values("classified_by", "model_version", "predicted_category_id")
    corrected = corrected.annotate(
        tickets=Count("*"),
        misrouted=Count("pk", filter=Q(misrouted=True)),
        reassigned=Count("pk", filter=Q(_reassigned("ticket_id"))),
    )
    for row in corrected:
        yield (
            row["classified_by"],
            row["model_version"],
            row["predicted_category_id"],
            row["tickets"],
            row["tickets"],
            row["misrouted"],
            row["reassigned"],
        )


def threshold_of(metrics_threshold) -> float | None:
    """The confidence threshold a model recorded in its metrics, read defensively: a number,
    or a mapping holding one under `value` (anything else: None, not recorded)."""
    value = metrics_threshold
    if isinstance(value, dict):
        value = value.get("value", value.get("threshold"))
    if isinstance(value, bool) or not isinstance(value, Real):
        return None
    value = float(value)
    return value if 0.0 <= value <= 1.0 else None


def _figures() -> dict:
    return dict.fromkeys(COUNTS, 0)


def _add(figures: dict, source: str, counts: tuple) -> None:
    tickets, corrected, misrouted, reassigned = counts
    figures["tickets"] += tickets
    if source in SOURCES:
        figures[source] += tickets
    figures["corrected"] += corrected
    figures["misrouted"] += misrouted
    figures["reassigned"] += reassigned


def _with_rates(figures: dict) -> dict:
    n = figures["tickets"]
    rates = {rate: (figures[count] / n if n else None) for rate, count in RATES.items()}
    return {**figures, **rates}


def _ranked(groups: dict, labels: L.Labels) -> list[dict]:
    rows = []
    for category_id, figures in groups.items():
        key, name = L.label(labels, category_id, L.UNCATEGORISED)
        rows.append({"key": key, "label": name, **_with_rates(figures)})
    return sorted(rows, key=lambda row: (-row["tickets"], row["key"]))


def analytics_triage(*, user, days: int, now: datetime | None = None) -> dict:
    """Triage's decisions on the tickets created in the window (by created_at), overall, per
    model version (null: decided by keywords or nobody) and per category decided, with the
    corrections, misroutes and reassignments that followed; and the threshold in force."""
    window = Window.ending(days=days, now=now)
    department_id = analytics_department_id(user=user)
    total = _figures()
    by_category: dict = defaultdict(_figures)
    by_version: dict = defaultdict(lambda: {"figures": _figures(), "categories": {}})
    for source, version, category_id, *counts in _decision_rows(
        department_id=department_id, window=window
    ):
        counts = tuple(counts)
        # Only the model's own decisions carry a version.
        version = (version or None) if source == ClassifiedBy.MODEL else None
        group = by_version[version]
        for figures in (
            total,
            by_category[category_id],
            group["figures"],
            group["categories"].setdefault(category_id, _figures()),
        ):
            _add(figures, source, counts)

    labels = L.category_labels()
    models = {
        version: (is_active, threshold_of(threshold))
        for version, is_active, threshold in ClassifierModel.objects.filter(
            Q(version__in=[v for v in by_version if v]) | Q(is_active=True)
        ).values_list("version", "is_active", "metrics__policy__threshold")
    }
    active = next((v for v, (is_active, _t) in models.items() if is_active), None)
    threshold = models[active][1] if active else None
    # Newest version first (versions start with their training time), then no model.
    versions = sorted((v for v in by_version if v), reverse=True)
    versions += [None] if None in by_version else []
    return {
        "days": days,
        "since": window.since,
        "until": window.until,
        "active_model": active,
        # ML_CONFIDENCE_THRESHOLD, when set, overrides what models learnt (classification.py).
        "threshold": (
            settings.ML_CONFIDENCE_THRESHOLD
            if settings.ML_CONFIDENCE_THRESHOLD is not None
            else threshold
        ),
        "threshold_source": "setting" if settings.ML_CONFIDENCE_THRESHOLD is not None else "model",
        "total": _with_rates(total),
        "models": [
            {
                "version": version,
                "is_active": bool(version) and version == active,
                "threshold": models.get(version, (False, None))[1] if version else None,
                **_with_rates(by_version[version]["figures"]),
                "categories": _ranked(by_version[version]["categories"], labels),
            }
            for version in versions
        ],
        "categories": _ranked(by_category, labels),
    }
