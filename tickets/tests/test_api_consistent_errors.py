"""One answer for one kind of problem: a move the workflow forbids is a 409, an unknown
`ordering` a 400 naming it, and a `category` sent at creation is honoured (staff, agents) or
refused naming the field (requesters), never dropped."""

import pytest
from drf_spectacular.generators import SchemaGenerator

from tickets.models import ClassifiedBy, Ticket, TicketEvent, TicketStatus
from tickets.tests.api import TICKETS, event_kinds
from tickets.tests.factories import AgentFactory, TicketFactory

pytestmark = pytest.mark.django_db

BILLING_TEXT = {"title": "Facture impayée", "description": "Ma facture de mars est impayée."}


# A forbidden move: 409 Conflict


def test_a_move_the_workflow_forbids_is_a_409_with_the_allowed_ones(as_user, staff):
    ticket = TicketFactory(status=TicketStatus.CLOSED)

    response = as_user(staff).post(
        f"{TICKETS}{ticket.pk}/transition/", {"status": "RESOLVED"}, format="json"
    )

    assert response.status_code == 409
    body = response.json()
    assert "CLOSED" in body["status"][0]
    assert body["allowed"] == ["OPEN"]
    assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.CLOSED


def test_a_malformed_status_stays_a_400(as_user, staff):
    ticket = TicketFactory()

    response = as_user(staff).post(
        f"{TICKETS}{ticket.pk}/transition/", {"status": "DONE"}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()) == ["status"]


# ?ordering=


@pytest.mark.parametrize(
    "value", ["nonsense", "-title", "created_at,bogus", "priority ", "--priority"]
)
def test_an_unknown_ordering_is_a_400_naming_the_field(as_user, staff, value):
    TicketFactory()

    response = as_user(staff).get(TICKETS, {"ordering": value})

    assert response.status_code == 400
    body = response.json()
    assert list(body) == ["ordering"]
    assert "created_at, updated_at, priority" in body["ordering"][0]


@pytest.mark.parametrize("value", ["priority", "-updated_at", "-priority,created_at", ""])
def test_known_orderings_still_work(as_user, staff, value):
    TicketFactory.create_batch(2)

    response = as_user(staff).get(TICKETS, {"ordering": value})

    assert response.status_code == 200, response.content
    assert response.json()["count"] == 2


def test_an_unknown_ordering_of_cursor_pages_is_a_400_too(as_user, staff):
    response = as_user(staff).get(TICKETS, {"cursor": "", "ordering": "bogus"})

    assert response.status_code == 400
    assert "ordering" in response.json()


# category at creation


@pytest.fixture
def product_agent(catalogue):
    return AgentFactory(user__username="product-agent", department=catalogue["feature"].department)


def test_staff_choose_the_category_at_creation_manual_triage(as_user, staff, product_agent):
    response = as_user(staff).post(TICKETS, {**BILLING_TEXT, "category": "feature"}, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["category"]["slug"] == "feature"
    assert body["department"]["slug"] == "product"
    assert body["assigned_to"]["id"] == product_agent.user_id
    assert body["classified_by"] == ClassifiedBy.MANUAL
    assert body["confidence"] is None
    assert body["model_version"] == ""
    ticket = Ticket.objects.get(pk=body["id"])
    assert event_kinds(ticket) == ["created", "classified", "assigned"]
    classified = TicketEvent.objects.get(ticket=ticket, kind="classified")
    assert classified.actor == staff
    assert classified.payload["classified_by"] == ClassifiedBy.MANUAL
    assert classified.payload["category"] == "feature"


def test_an_agent_chooses_the_category_at_creation_too(as_user, tech_agent, billing_agent):
    response = as_user(tech_agent.user).post(
        TICKETS, {**BILLING_TEXT, "category": "bug"}, format="json"
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["category"]["slug"], body["classified_by"]) == ("bug", ClassifiedBy.MANUAL)
    assert body["assigned_to"]["id"] == tech_agent.user_id


def test_a_requester_sending_a_category_is_refused_naming_the_field(
    as_user, requester, billing_agent
):
    response = as_user(requester).post(
        TICKETS, {**BILLING_TEXT, "category": "billing"}, format="json"
    )

    assert response.status_code == 400
    body = response.json()
    assert list(body) == ["category"]
    assert "staff and agents" in body["category"][0]
    assert not Ticket.objects.exists()


def test_an_unknown_category_is_a_400_naming_the_field(as_user, staff, catalogue):
    response = as_user(staff).post(
        TICKETS, {**BILLING_TEXT, "category": "astrology"}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()) == ["category"]
    assert not Ticket.objects.exists()


@pytest.mark.parametrize("value", [None, ""])
def test_an_empty_category_is_a_400_not_a_silent_classification(as_user, staff, value):
    response = as_user(staff).post(TICKETS, {**BILLING_TEXT, "category": value}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["category"]
    assert not Ticket.objects.exists()


# The schema says so


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def test_the_schema_documents_the_409_of_the_transition(schema):
    responses = schema["paths"]["/api/tickets/{id}/transition/"]["post"]["responses"]

    assert "workflow forbids" in responses["409"]["description"]


def test_the_schema_says_which_orderings_the_list_takes(schema):
    [parameter] = [
        p for p in schema["paths"]["/api/tickets/"]["get"]["parameters"] if p["name"] == "ordering"
    ]

    pattern = parameter["schema"]["pattern"]
    assert "created_at" in pattern and "priority" in pattern
    assert "400" in parameter["description"]


def test_the_schema_documents_category_at_creation(schema):
    body = schema["components"]["schemas"]["TicketCreateInputRequest"]

    assert "category" in body["properties"]
    assert "Staff and agents only" in body["properties"]["category"]["description"]
