"""GET /api/analytics/triage/: per model version and per category, who decided, how often a
person corrected it (misroutes: into another department), reassignments, the threshold."""

import pytest

from tickets import services
from tickets.analytics.tests.conftest import ago, ticket_at
from tickets.analytics.triage import threshold_of
from tickets.models import ClassifiedBy, ClassifierModel
from tickets.tests.factories import AgentFactory, CategoryFactory

pytestmark = pytest.mark.django_db

URL = "/api/analytics/triage/"
V1 = "20250201-000000-aaaaaa"
V2 = "20250301-000000-bbbbbb"


def registered(version: str, *, active: bool = False, metrics=None) -> ClassifierModel:
    return ClassifierModel.objects.create(
        version=version,
        n_samples=10,
        metrics=metrics or {"macro_f1": 0.9},
        artifact=f"{version}.joblib",
        sha256="0" * 64,
        is_active=active,
    )


def decided(created, category, by, version="", **fields):
    return ticket_at(
        created,
        category=category,
        department=category.department if category else None,
        classified_by=by,
        model_version=version,
        confidence=0.9 if by != ClassifiedBy.NONE else None,
        **fields,
    )


def figures(**counts) -> dict:
    row = dict.fromkeys(
        ("tickets", "model", "keywords", "none", "corrected", "misrouted", "reassigned"), 0
    )
    row.update(counts)
    n = row["tickets"]
    row["correction_rate"] = row["corrected"] / n if n else None
    row["misroute_rate"] = row["misrouted"] / n if n else None
    row["reassignment_rate"] = row["reassigned"] / n if n else None
    return row


@pytest.fixture
def history(catalogue, staff, frozen_now):
    """Seven triage decisions in the last 30 days, four of them corrected, one reassigned;
    and tickets that do not count (set by hand, too old, undated history)."""
    registered(V1)
    registered(V2, active=True, metrics={"macro_f1": 0.9, "policy": {"threshold": 0.6}})
    billing, bug, account = catalogue["billing"], catalogue["bug"], catalogue["account"]
    refunds = CategoryFactory(slug="refunds", name="Refunds", department=billing.department)
    ada = AgentFactory(user__username="ada", department=billing.department)
    ben = AgentFactory(user__username="ben", department=billing.department)

    def correct(ticket, category):
        services.ticket_update(ticket=ticket, actor=staff, category=category)

    model = ClassifiedBy.MODEL
    correct(decided(ago(days=1), billing, model, V2), bug)  # misroute
    correct(decided(ago(days=2), billing, model, V2), refunds)  # same department
    reassigned = decided(ago(days=3), billing, model, V2, assigned_to=ada.user)
    services.ticket_assign(ticket=reassigned, user_id=ben.user_id, actor=staff)
    decided(ago(days=4), bug, model, V1)
    decided(ago(days=5), billing, ClassifiedBy.KEYWORDS)
    correct(decided(ago(days=6), billing, ClassifiedBy.KEYWORDS), account)  # misroute
    correct(decided(ago(days=7), None, ClassifiedBy.NONE), account)  # misroute
    # Not counted: set by hand, before the window, undated history.
    decided(ago(days=1), billing, ClassifiedBy.MANUAL)
    correct(decided(ago(days=40), billing, model, V2), bug)
    decided(ago(days=1), billing, model, V2, is_undated_history=True)
    return ada


def test_figures_per_model_version_and_category(staff_client, history, settings):
    settings.ML_CONFIDENCE_THRESHOLD = None
    body = staff_client.get(URL, {"days": 30}).json()

    assert (body["active_model"], body["threshold"], body["threshold_source"]) == (
        V2,
        0.6,
        "model",
    )
    assert body["total"] == figures(
        tickets=7, model=4, keywords=2, none=1, corrected=4, misrouted=3, reassigned=1
    )
    v2, v1, no_model = body["models"]
    assert (v2["version"], v2["is_active"], v2["threshold"]) == (V2, True, 0.6)
    assert {k: v2[k] for k in figures()} == figures(
        tickets=3, model=3, corrected=2, misrouted=1, reassigned=1
    )
    assert [(c["key"], c["tickets"], c["corrected"]) for c in v2["categories"]] == [
        ("billing", 3, 2)
    ]
    assert (v1["version"], v1["is_active"], v1["threshold"]) == (V1, False, None)
    assert {k: v1[k] for k in figures()} == figures(tickets=1, model=1)
    assert no_model["version"] is None
    assert {k: no_model[k] for k in figures()} == figures(
        tickets=3, keywords=2, none=1, corrected=2, misrouted=2
    )
    assert [(c["key"], c["keywords"], c["none"]) for c in no_model["categories"]] == [
        ("billing", 2, 0),
        ("uncategorised", 0, 1),
    ]
    assert [
        (c["key"], c["label"], c["tickets"], c["corrected"], c["misrouted"], c["reassigned"])
        for c in body["categories"]
    ] == [
        ("billing", "Billing & payments", 5, 3, 2, 1),
        ("bug", "Technical issue", 1, 0, 0, 0),
        ("uncategorised", "Uncategorised", 1, 1, 1, 0),
    ]
    assert body["categories"][0]["correction_rate"] == pytest.approx(3 / 5)


def test_an_agent_sees_the_tickets_now_in_their_department(as_user, history, frozen_now):
    body = as_user(history.user).get(URL, {"days": 30}).json()

    # Billing keeps the ticket corrected to refunds, the reassigned one and a keyword one.
    assert body["total"] == figures(tickets=3, model=2, keywords=1, corrected=1, reassigned=1)


def test_a_longer_window_counts_the_older_correction(staff_client, history):
    body = staff_client.get(URL, {"days": 90}).json()

    assert (body["total"]["tickets"], body["total"]["corrected"]) == (8, 5)


def test_the_setting_when_set_is_the_threshold_in_force(staff_client, settings, catalogue):
    settings.ML_CONFIDENCE_THRESHOLD = 0.42
    registered(V1, active=True, metrics={"policy": {"threshold": 0.8}})

    body = staff_client.get(URL).json()

    assert (body["active_model"], body["threshold"], body["threshold_source"]) == (
        V1,
        0.42,
        "setting",
    )
    assert body["total"] == figures()
    assert body["models"] == [] and body["categories"] == []


def test_no_threshold_without_an_active_model_or_one_that_decides_nothing(
    staff_client, settings, catalogue
):
    settings.ML_CONFIDENCE_THRESHOLD = None
    assert staff_client.get(URL).json()["threshold"] is None
    # Training found no threshold reaching the target precision: the model decides nothing.
    registered(V1, active=True, metrics={"policy": {"threshold": None, "reached": False}})

    body = staff_client.get(URL).json()

    assert (body["active_model"], body["threshold"], body["threshold_source"]) == (
        V1,
        None,
        "model",
    )


@pytest.mark.parametrize(
    ("recorded", "read"),
    [
        (0.55, 0.55),
        (1, 1.0),
        ({"value": 0.7, "coverage": 0.5}, 0.7),
        ({"threshold": 0.3}, 0.3),
        (None, None),
        ("0.5", None),
        (True, None),
        (1.5, None),
        ({"coverage": 0.5}, None),
    ],
)
def test_a_models_threshold_is_read_defensively(recorded, read):
    assert threshold_of(recorded) == read


def test_query_count_does_not_grow_with_decisions_or_corrections(
    staff_client, history, catalogue, staff, django_assert_num_queries
):
    with django_assert_num_queries(4):
        assert staff_client.get(URL).status_code == 200
    for days in range(8, 12):
        ticket = decided(ago(days=days), catalogue["bug"], ClassifiedBy.MODEL, f"2025040{days}")
        services.ticket_update(ticket=ticket, actor=staff, category=catalogue["account"])
    with django_assert_num_queries(4):
        body = staff_client.get(URL).json()
    assert len(body["models"]) == 7
