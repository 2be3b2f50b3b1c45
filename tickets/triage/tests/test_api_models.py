"""POST /api/ml/train/, GET /api/ml/model/ and /api/ml/models/, and activating a model."""

import pytest
from django.db import IntegrityError, transaction

from tickets import services
from tickets.models import ClassifierModel
from tickets.tests.factories import CategoryFactory, TicketFactory
from tickets.triage.tests.helpers import BILLING_TEXT, BILLING_TITLE, active_versions

pytestmark = pytest.mark.django_db

TRAIN = "/api/ml/train/"
MODEL = "/api/ml/model/"
MODELS = "/api/ml/models/"


def activate_url(version: str) -> str:
    return f"{MODELS}{version}/activate/"


# Training


def test_staff_trains_and_activates_a_model(as_user, staff, history):
    response = as_user(staff).post(TRAIN, {"test_size": 0.25}, format="json")

    assert response.status_code == 200, response.data
    body = response.json()
    assert body["n_samples"] == history
    assert body["classes"] == ["account", "billing", "bug", "feature", "other"]
    assert body["n_classes"] == 5
    assert body["model_path"].endswith(f"{body['version']}.joblib")
    assert {"accuracy", "macro_f1", "per_class", "confusion"} <= set(body["metrics"])
    assert body["metrics"]["n_test"] == pytest.approx(history * 0.25, abs=1)
    record = ClassifierModel.objects.get(version=body["version"])
    assert record.is_active
    assert record.trained_by == staff


def test_training_with_one_category_is_refused(as_user, staff, catalogue):
    TicketFactory.create_batch(20, category=catalogue["billing"])

    response = as_user(staff).post(TRAIN, {}, format="json")

    assert response.status_code == 400
    [message] = response.json()["training"]
    assert "2 categories" in message
    assert not ClassifierModel.objects.exists()


def test_training_on_too_few_tickets_is_refused(as_user, staff, catalogue):
    for slug in ("billing", "bug"):
        TicketFactory.create_batch(3, category=catalogue[slug])

    response = as_user(staff).post(TRAIN, {"min_per_class": 2}, format="json")

    assert response.status_code == 400
    [message] = response.json()["training"]
    assert "at least 10 labelled tickets, got 6" in message
    assert not ClassifierModel.objects.exists()


def test_categories_too_small_for_the_split_are_refused(as_user, staff, catalogue):
    """Ten categories of two tickets: a 20% held-out share cannot hold each of them."""
    for n in range(10):
        TicketFactory.create_batch(2, category=CategoryFactory(slug=f"topic-{n}"))

    response = as_user(staff).post(TRAIN, {"min_per_class": 2}, format="json")

    assert response.status_code == 400
    assert "too few" in response.json()["training"][0]


@pytest.mark.parametrize("test_size", [0, 0.9, "abc"])
def test_an_invalid_test_size_is_a_400_naming_the_field(as_user, staff, history, test_size):
    response = as_user(staff).post(TRAIN, {"test_size": test_size}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["test_size"]
    assert not ClassifierModel.objects.exists()


# Inspecting and activating


def test_no_active_model_is_a_404_telling_how_to_train(as_user, staff):
    response = as_user(staff).get(MODEL)

    assert response.status_code == 404
    assert "train" in response.json()["detail"].lower()


def test_the_active_model_shows_its_metrics(as_user, billing_agent, trained_model):
    response = as_user(billing_agent.user).get(MODEL)

    assert response.status_code == 200, response.data
    body = response.json()
    assert body["version"] == trained_model.version
    assert body["is_active"] is True
    metrics = body["metrics"]
    assert 0.0 <= metrics["accuracy"] <= 1.0
    assert 0.0 <= metrics["macro_f1"] <= 1.0
    assert set(metrics["per_class"]) == set(body["classes"])
    confusion = metrics["confusion"]
    assert confusion["labels"] == body["classes"]
    assert sum(map(sum, confusion["matrix"])) == metrics["n_test"] > 0


def test_models_are_listed_newest_first(as_user, staff, trained_model, second_model):
    response = as_user(staff).get(MODELS)

    assert response.status_code == 200, response.data
    rows = response.json()["results"]
    assert [r["version"] for r in rows] == [second_model.version, trained_model.version]
    assert [r["is_active"] for r in rows] == [False, True]


def test_activating_an_earlier_model_makes_new_tickets_use_it(
    as_user, staff, requester, trained_model
):
    client = as_user(staff)
    newer = client.post(TRAIN, {"seed": 7}, format="json").json()["version"]
    assert active_versions() == [newer]
    assert (
        services.ticket_create(
            title=BILLING_TITLE, description=BILLING_TEXT, created_by=requester
        ).model_version
        == newer
    )

    response = client.post(activate_url(trained_model.version))

    assert response.status_code == 200, response.data
    assert response.json()["is_active"] is True
    assert active_versions() == [trained_model.version]
    ticket = services.ticket_create(
        title=BILLING_TITLE, description=BILLING_TEXT, created_by=requester
    )
    assert (ticket.classified_by, ticket.model_version) == ("model", trained_model.version)
    assert client.get(MODEL).json()["version"] == trained_model.version


def test_the_database_refuses_a_second_active_model(trained_model, second_model):
    with pytest.raises(IntegrityError), transaction.atomic():
        ClassifierModel.objects.filter(pk=second_model.pk).update(is_active=True)

    assert active_versions() == [trained_model.version]


def test_activating_an_unknown_version_is_a_404(as_user, staff, trained_model):
    response = as_user(staff).post(activate_url("no-such-version"))

    assert response.status_code == 404
    assert active_versions() == [trained_model.version]


# Who may do what


def test_an_agent_may_neither_train_nor_activate(as_user, billing_agent, second_model):
    client = as_user(billing_agent.user)

    assert client.post(TRAIN, {}, format="json").status_code == 403
    assert client.post(activate_url(second_model.version)).status_code == 403
    assert ClassifierModel.objects.count() == 2
    assert second_model.version not in active_versions()


@pytest.mark.parametrize(
    ("method", "url"),
    [("post", TRAIN), ("get", MODEL), ("get", MODELS), ("post", activate_url("v1"))],
)
def test_a_requester_may_not_use_the_model_endpoints(as_user, requester, method, url):
    assert getattr(as_user(requester), method)(url).status_code == 403
    assert not ClassifierModel.objects.exists()


@pytest.mark.parametrize(
    ("method", "url"),
    [("post", TRAIN), ("get", MODEL), ("get", MODELS), ("post", activate_url("v1"))],
)
def test_anonymous_calls_to_the_model_endpoints_are_a_401(api_client, db, method, url):
    assert getattr(api_client, method)(url).status_code == 401
    assert not ClassifierModel.objects.exists()
