"""The promotion gate: a newly trained model replaces the active one only when it is not
worse on the same held-out rows (beyond ML_PROMOTION_TOLERANCE); otherwise it is registered
as rejected with both scores, and staff may still activate it. Each model is scored only on
rows it never trained on."""

import pytest

from tickets.models import ClassifierModel, Ticket
from tickets.tests.factories import UserFactory
from tickets.triage import services as triage_services
from tickets.triage.registry import active_model
from tickets.triage.tests.helpers import active_versions, history_seed

pytestmark = pytest.mark.django_db

TRAIN = "/api/ml/train/"


def test_the_first_model_is_activated_without_comparison(history):
    record = triage_services.model_train()

    assert record.is_active
    assert (record.gate, record.gate_scores) == ("first", {})


def test_a_model_as_good_as_the_active_one_is_activated_with_both_scores(trained_model):
    record = triage_services.model_train(seed=7)

    assert active_versions() == [record.version]
    assert record.gate == "passed"
    scores = record.gate_scores
    assert scores["active_version"] == trained_model.version
    # No ticket is newer than the active model's training: no rows both models never saw.
    assert scores["basis"] == "too_few_new_rows"
    assert (scores["n_rows"], scores["candidate_macro_f1"], scores["active_macro_f1"]) == (
        0,
        None,
        None,
    )
    assert scores["active_estimate"] == round(trained_model.metrics["macro_f1"], 6)
    assert scores["candidate_estimate"] == round(record.metrics["macro_f1"], 6)
    assert scores["tolerance"] == 0.01
    assert record.params["max_ticket_id"] == Ticket.objects.latest("id").id


def _more_history(monkeypatch):
    """New tickets after the active model's training, enough of them held out to compare."""
    monkeypatch.setattr("tickets.triage.gate.MIN_UNSEEN_ROWS", 10)
    history_seed(requester=UserFactory(username="archive-2"))


def test_the_new_tickets_held_out_are_the_rows_both_models_are_scored_on(
    trained_model, monkeypatch
):
    _more_history(monkeypatch)

    record = triage_services.model_train(seed=7)

    scores = record.gate_scores
    assert scores["basis"] == "unseen_rows"
    through = trained_model.params["max_ticket_id"]
    held_out_new = Ticket.objects.filter(id__gt=through).count() * record.metrics["n_test"]
    assert 10 <= scores["n_rows"] < record.metrics["n_test"]
    assert abs(scores["n_rows"] - held_out_new / Ticket.objects.count()) < 15
    assert record.gate == "passed"


def test_on_the_new_tickets_a_worse_model_is_rejected(trained_model, worse_training, monkeypatch):
    _more_history(monkeypatch)

    record = triage_services.model_train(seed=7)

    assert record.gate_scores["basis"] == "unseen_rows"
    assert record.gate == "rejected"
    assert record.gate_scores["candidate_macro_f1"] < record.gate_scores["active_macro_f1"] - 0.01
    assert active_versions() == [trained_model.version]


def test_the_gate_keeps_a_worse_model_inactive_and_staff_can_still_activate_it(
    trained_model, worse_training, as_user, staff, monkeypatch
):
    _more_history(monkeypatch)
    record = triage_services.model_train(seed=7)

    record.refresh_from_db()
    assert not record.is_active
    assert record.gate == "rejected"
    scores = record.gate_scores
    assert scores["active_version"] == trained_model.version
    assert scores["candidate_macro_f1"] < scores["active_macro_f1"] - 0.01
    assert active_versions() == [trained_model.version]
    assert active_model().version == trained_model.version

    body = as_user(staff).get("/api/ml/models/").json()
    listed = {row["version"]: row for row in body["results"]}
    assert listed[record.version]["gate"] == "rejected"
    assert listed[record.version]["gate_scores"] == scores

    response = as_user(staff).post(f"/api/ml/models/{record.version}/activate/")
    assert response.status_code == 200, response.content
    assert active_versions() == [record.version]
    assert response.json()["gate"] == "rejected"  # the verdict stays on record


def test_the_tolerance_decides_how_much_worse_may_pass(
    settings, trained_model, worse_training, monkeypatch
):
    _more_history(monkeypatch)
    settings.ML_PROMOTION_TOLERANCE = 1.0

    record = triage_services.model_train(seed=7)

    assert record.gate == "passed"
    assert active_versions() == [record.version]


def test_training_through_the_api_goes_through_the_gate(
    as_user, staff, trained_model, worse_training, monkeypatch
):
    _more_history(monkeypatch)
    response = as_user(staff).post(TRAIN, {"seed": 7}, format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["is_active"], body["gate"]) == (False, "rejected")
    assert body["gate_scores"]["active_version"] == trained_model.version
    assert active_versions() == [trained_model.version]


def test_a_model_registered_without_activation_is_not_gated(trained_model, worse_training):
    record = triage_services.model_train(seed=7, activate=False)

    assert (record.is_active, record.gate, record.gate_scores) == (False, "", {})
    assert ClassifierModel.objects.filter(is_active=True).get() == trained_model


def test_an_active_model_that_cannot_be_loaded_is_replaced(trained_model, monkeypatch):
    monkeypatch.setattr("tickets.triage.gate.active_model", lambda: None)

    record = triage_services.model_train(seed=7)

    assert record.gate == "passed"
    assert record.gate_scores["active_macro_f1"] is None
    assert record.gate_scores["note"] == "the active model's artefact cannot be loaded"
    assert active_versions() == [record.version]


def test_tickets_the_active_model_labelled_itself_are_not_compared_on(trained_model, monkeypatch):
    """Their category is the active model's own prediction, uncorrected: it would score
    itself right on them."""
    _more_history(monkeypatch)
    Ticket.objects.filter(pk__gt=trained_model.params["max_ticket_id"]).update(
        classified_by="model", model_version=trained_model.version
    )

    record = triage_services.model_train(seed=7)

    assert (record.gate_scores["basis"], record.gate_scores["n_rows"]) == ("too_few_new_rows", 0)
    assert record.gate == "passed"
