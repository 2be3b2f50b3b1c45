"""POST /api/tickets/{id}/ml_predict/ and GET /api/tickets/{id}/similar/."""

import pytest

from ml.features import TicketVectorizer
from tickets import services
from tickets.models import Category, Ticket
from tickets.tests.api import last_event, ticket_url
from tickets.tests.factories import TicketFactory
from tickets.triage import services as triage_services
from tickets.triage.tests.helpers import BILLING_TEXT, BILLING_TITLE

pytestmark = pytest.mark.django_db

# A text unlike anything in the demo history, for near-duplicates created after training.
ODD_TITLE = "Zorglub printer sparks"
ODD_TEXT = "The zorglub printer in room 42 emits sparks and smells of burnt quux."


def misfile(catalogue, *, requester, agent) -> Ticket:
    """A billing question filed as a bug, in Technical Support, worked by the agent."""
    return TicketFactory(
        title=BILLING_TITLE,
        description=BILLING_TEXT,
        category=catalogue["bug"],
        created_by=requester,
        assigned_to=agent.user,
    )


@pytest.fixture
def misfiled(catalogue, requester, tech_agent, trained_model):
    """Filed after training, so the model never learnt it as a bug."""
    return misfile(catalogue, requester=requester, agent=tech_agent)


def predict(client, ticket, query: str = ""):
    return client.post(ticket_url(ticket, "ml_predict") + query)


def similar(client, ticket, query: str = ""):
    return client.get(ticket_url(ticket, "similar") + query)


# ml_predict


def test_predict_writes_the_models_category_to_the_ticket(
    as_user, tech_agent, billing_agent, misfiled, trained_model
):
    response = predict(as_user(tech_agent.user), misfiled)

    assert response.status_code == 200, response.data
    body = response.json()
    assert body["category"]["slug"] == "billing"
    assert body["model_version"] == trained_model.version
    probabilities = [row["probability"] for row in body["top"]]
    assert len(probabilities) == 3 == len({row["label"] for row in body["top"]})
    assert probabilities == sorted(probabilities, reverse=True)
    assert body["top"][0] == {"label": "billing", "probability": body["confidence"]}
    ticket = Ticket.objects.select_related("category", "department").get(pk=misfiled.pk)
    assert (ticket.category.slug, ticket.department.slug) == ("billing", "billing")
    assert (ticket.classified_by, ticket.model_version) == ("model", trained_model.version)
    assert ticket.confidence == pytest.approx(body["confidence"])
    assert ticket.assigned_to == tech_agent.user  # not routed again unless asked
    event = last_event(misfiled)
    assert (event.kind, event.actor) == ("classified", tech_agent.user)
    assert event.payload["before"] == {
        "category": "bug",
        "department": "technical",
        "classified_by": "none",
    }
    assert event.payload["after"] == {"category": "billing", "department": "billing"}
    assert event.payload["model_version"] == trained_model.version


def test_predict_with_reroute_gives_the_ticket_to_the_new_department(
    as_user, staff, tech_agent, billing_agent, misfiled, trained_model
):
    response = predict(as_user(staff), misfiled, "?reroute=true")

    assert response.status_code == 200, response.data
    assert response.json()["ticket"]["assigned_to"]["id"] == billing_agent.user_id
    assert Ticket.objects.get(pk=misfiled.pk).assigned_to_id == billing_agent.user_id
    event = last_event(misfiled)
    assert (event.kind, event.actor) == ("reassigned", staff)
    assert (event.payload["before"], event.payload["after"]) == (
        tech_agent.user_id,
        billing_agent.user_id,
    )


def test_predict_without_a_model_is_a_409_telling_how_to_train(
    as_user, staff, requester, tech_agent, catalogue
):
    misfiled = misfile(catalogue, requester=requester, agent=tech_agent)

    response = predict(as_user(staff), misfiled)

    assert response.status_code == 409
    assert "train" in response.json()["model"][0].lower()
    misfiled.refresh_from_db()
    assert misfiled.category.slug == "bug"


def test_a_requester_may_not_predict_on_their_ticket(as_user, requester, misfiled, trained_model):
    assert predict(as_user(requester), misfiled).status_code == 403
    misfiled.refresh_from_db()
    assert misfiled.classified_by == "none"


def test_another_departments_agent_gets_a_404(as_user, billing_agent, misfiled, trained_model):
    assert predict(as_user(billing_agent.user), misfiled).status_code == 404


def test_predict_of_a_category_removed_since_training_is_a_409(
    as_user, staff, catalogue, misfiled, trained_model
):
    Category.objects.filter(pk=catalogue["billing"].pk).update(slug="payments")

    response = predict(as_user(staff), misfiled)

    assert response.status_code == 409
    assert "billing" in response.json()["category"][0]
    misfiled.refresh_from_db()
    assert misfiled.category.slug == "bug"


@pytest.mark.parametrize("reroute", ["maybe", ""])
def test_a_reroute_that_is_not_a_boolean_is_a_400(as_user, staff, misfiled, trained_model, reroute):
    response = predict(as_user(staff), misfiled, f"?reroute={reroute}")

    assert response.status_code == 400
    assert "reroute" in response.json()
    misfiled.refresh_from_db()
    assert misfiled.classified_by == "none"


# similar


def test_similar_tickets_are_others_best_first(as_user, staff, trained_model):
    ticket = Ticket.objects.filter(category__slug="billing").order_by("pk").first()

    response = similar(as_user(staff), ticket)

    assert response.status_code == 200, response.data
    rows = response.json()
    assert len(rows) == 5  # the default
    assert ticket.pk not in {row["ticket"]["id"] for row in rows}
    scores = [row["score"] for row in rows]
    assert scores == sorted(scores, reverse=True)
    assert scores[0] > 0
    assert len(similar(as_user(staff), ticket, "?top=20").json()) == 20


@pytest.mark.parametrize("top", ["0", "21", "x", ""])
def test_a_top_outside_1_to_20_is_a_400(as_user, staff, trained_model, top):
    ticket = Ticket.objects.first()

    response = similar(as_user(staff), ticket, f"?top={top}")

    assert response.status_code == 400
    assert "top" in response.json()


def test_a_ticket_created_after_training_is_found(as_user, staff, catalogue, trained_model):
    query = TicketFactory(title=ODD_TITLE, description=ODD_TEXT, category=catalogue["bug"])
    twin = TicketFactory(title=ODD_TITLE, description=ODD_TEXT, category=catalogue["bug"])

    rows = similar(as_user(staff), query).json()

    assert rows[0]["ticket"]["id"] == twin.pk
    assert rows[0]["score"] == pytest.approx(1.0, abs=1e-3)
    assert query.pk not in {row["ticket"]["id"] for row in rows}


def test_a_ticket_left_uncategorised_before_training_is_found(as_user, staff, catalogue, history):
    """No category (no rule matched) is no reason to be missing from similar tickets."""
    general = TicketFactory(title=ODD_TITLE, description=ODD_TEXT)
    TicketFactory(category=catalogue["feature"])  # history goes on after it
    triage_services.model_train()
    query = TicketFactory(title=ODD_TITLE, description=ODD_TEXT, category=catalogue["bug"])

    rows = similar(as_user(staff), query).json()

    assert rows[0]["ticket"]["id"] == general.pk
    assert rows[0]["score"] == pytest.approx(1.0, abs=1e-3)


def test_a_ticket_edited_after_training_is_found_by_its_new_text(
    as_user, staff, catalogue, trained_model
):
    edited = Ticket.objects.filter(category__slug="billing").order_by("pk").first()
    services.ticket_update(ticket=edited, actor=staff, title=ODD_TITLE, description=ODD_TEXT)
    query = TicketFactory(title=ODD_TITLE, description=ODD_TEXT, category=catalogue["bug"])

    rows = similar(as_user(staff), query).json()

    assert rows[0]["ticket"]["id"] == edited.pk
    assert rows[0]["score"] == pytest.approx(1.0, abs=1e-3)


def test_tickets_outside_the_index_are_vectorised_again_only_when_edited(
    as_user, staff, catalogue, trained_model, monkeypatch
):
    twin = TicketFactory(title=ODD_TITLE, description=ODD_TEXT, category=catalogue["bug"])
    query = TicketFactory(title=ODD_TITLE, description=ODD_TEXT, category=catalogue["bug"])
    client = as_user(staff)
    assert similar(client, query).json()[0]["ticket"]["id"] == twin.pk
    vectorised = []
    original = TicketVectorizer.transform

    def counting(self, texts):
        vectorised.extend(texts)
        return original(self, texts)

    monkeypatch.setattr(TicketVectorizer, "transform", counting)

    again = similar(client, query).json()
    vectorised_again = len(vectorised)
    services.ticket_update(ticket=twin, actor=staff, title="Toner", description="Order toner.")
    edited = similar(client, query).json()

    assert again[0]["ticket"]["id"] == twin.pk
    assert vectorised_again == 1  # the query's own text, nothing else
    assert twin.pk not in [row["ticket"]["id"] for row in edited[:1]]
    assert any("toner" in text.lower() for text in vectorised)


def test_a_requester_sees_only_their_own_tickets_among_similar_ones(
    as_user, staff, requester, other_requester, catalogue, trained_model
):
    billing = catalogue["billing"]
    query, mine = TicketFactory.create_batch(
        2, title=ODD_TITLE, description=ODD_TEXT, category=billing, created_by=requester
    )
    theirs = TicketFactory(
        title=ODD_TITLE, description=ODD_TEXT, category=billing, created_by=other_requester
    )
    assert theirs.pk in {row["ticket"]["id"] for row in similar(as_user(staff), query).json()}

    rows = similar(as_user(requester), query).json()

    assert [row["ticket"]["id"] for row in rows] == [mine.pk]


def test_an_agent_sees_only_their_departments_tickets_among_similar_ones(
    as_user, staff, billing_agent, catalogue, trained_model
):
    query = TicketFactory(
        title=BILLING_TITLE, description=BILLING_TEXT, category=catalogue["billing"]
    )
    elsewhere = TicketFactory(
        title=BILLING_TITLE, description=BILLING_TEXT, category=catalogue["bug"]
    )
    assert similar(as_user(staff), query).json()[0]["ticket"]["id"] == elsewhere.pk

    rows = similar(as_user(billing_agent.user), query, "?top=20").json()

    assert len(rows) == 20
    assert elsewhere.pk not in {row["ticket"]["id"] for row in rows}
    for row in rows:
        ticket = row["ticket"]
        assert ticket["department"]["slug"] == "billing" or (
            (ticket["assigned_to"] or {}).get("id") == billing_agent.user_id
        )


def test_similar_without_a_model_is_a_409(as_user, staff, history):
    response = similar(as_user(staff), Ticket.objects.first())

    assert response.status_code == 409
    assert "train" in response.json()["model"][0].lower()
