"""POST /api/tickets/: classification, routing, validation and authentication."""

import json

import pytest

from tickets.models import ClassifiedBy, Priority, Ticket, TicketEvent
from tickets.tests.api import TICKETS, event_kinds

pytestmark = pytest.mark.django_db

BILLING_TEXT = {"title": "Facture impayée", "description": "Ma facture de mars est impayée."}


@pytest.fixture
def client(as_user, requester, billing_agent, tech_agent):
    """A requester's client, with one agent in billing and one in technical support."""
    return as_user(requester)


def post(client, body):
    return client.post(TICKETS, body, format="json")


def test_create_classifies_routes_and_answers_with_the_ticket(client, requester, billing_agent):
    response = post(client, {**BILLING_TEXT, "priority": "HIGH"})

    assert response.status_code == 201, response.data
    body = response.json()
    assert body["title"] == "Facture impayée"
    assert body["status"] == "OPEN"
    assert body["priority"] == "HIGH"
    assert body["category"]["slug"] == "billing"
    assert body["department"]["slug"] == "billing"
    assert body["assigned_to"] == {"id": billing_agent.user_id, "username": "billing-agent"}
    assert body["created_by"] == {"id": requester.pk, "username": "requester"}
    assert body["classified_by"] == ClassifiedBy.KEYWORDS
    assert 0 < body["confidence"] <= 1
    assert body["resolved_at"] is None

    ticket = Ticket.objects.get(pk=body["id"])
    assert ticket.priority == Priority.HIGH
    assert ticket.assigned_to_id == billing_agent.user_id
    assert ticket.created_by_id == requester.pk
    assert event_kinds(ticket) == ["created", "classified", "assigned"]


def test_priority_defaults_to_medium(client):
    response = post(client, BILLING_TEXT)

    assert response.status_code == 201
    assert response.json()["priority"] == "MEDIUM"


def test_subject_is_accepted_as_an_alias_of_title(client, billing_agent):
    """The French client sends `subject` instead of `title`."""
    response = post(client, {"subject": "Facture impayée", "description": "Merci de vérifier."})

    assert response.status_code == 201, response.data
    body = response.json()
    assert body["title"] == "Facture impayée"
    assert "subject" not in body
    assert body["category"]["slug"] == "billing"
    assert body["assigned_to"]["id"] == billing_agent.user_id


def test_neither_title_nor_subject_is_a_400_on_title(client):
    response = post(client, {"description": "Bonjour"})

    assert response.status_code == 400
    assert "title" in response.json()


@pytest.mark.parametrize(
    ("text", "category", "department"),
    [
        ("PAIEMENT refusé", "billing", "billing"),
        ("fattura non pagata", "billing", "billing"),
        ("invoice overdue", "billing", "billing"),
        ("Rechnung", "billing", "billing"),
        ("erreur technique", "bug", "technical"),
        ("errore dell'app", "bug", "technical"),
        ("Fehler", "bug", "technical"),
    ],
)
def test_multilingual_texts_land_in_their_department(
    client, billing_agent, tech_agent, text, category, department
):
    response = post(client, {"title": text, "description": text})

    assert response.status_code == 201, response.data
    body = response.json()
    assert body["category"]["slug"] == category
    assert body["department"]["slug"] == department
    agent = billing_agent if department == "billing" else tech_agent
    assert body["assigned_to"]["id"] == agent.user_id


def test_text_matching_no_rule_goes_unclassified_to_general(client):
    response = post(client, {"title": "Bonjour", "description": "Une question."})

    assert response.status_code == 201
    body = response.json()
    assert body["category"] is None
    assert body["department"]["slug"] == "general"
    assert body["classified_by"] == ClassifiedBy.NONE
    assert body["confidence"] is None
    assert body["assigned_to"] is None


INVALID_BODIES = {
    "blank title": ({**BILLING_TEXT, "title": ""}, "title"),
    "blank subject": ({"subject": "  ", "description": "x"}, "subject"),
    "title of 201 chars": ({**BILLING_TEXT, "title": "a" * 201}, "title"),
    "subject of 201 chars": ({"subject": "a" * 201, "description": "x"}, "subject"),
    "description over 20,000": ({**BILLING_TEXT, "description": "a" * 20_001}, "description"),
    "missing description": ({"title": "Facture"}, "description"),
    "unknown priority": ({**BILLING_TEXT, "priority": "CRITICAL"}, "priority"),
    "numeric priority": ({**BILLING_TEXT, "priority": 40}, "priority"),
    "unknown field": ({**BILLING_TEXT, "colour": "red"}, "colour"),
    "status in body": ({**BILLING_TEXT, "status": "CLOSED"}, "status"),
    "assigned_to in body": ({**BILLING_TEXT, "assigned_to": 1}, "assigned_to"),
    "NUL byte in title": ({**BILLING_TEXT, "title": "Facture\x00impayée"}, "title"),
    "NUL byte in description": ({**BILLING_TEXT, "description": "a\x00b"}, "description"),
    "title not a string": ({**BILLING_TEXT, "title": {"a": 1}}, "title"),
}


@pytest.mark.parametrize(("body", "field"), INVALID_BODIES.values(), ids=INVALID_BODIES.keys())
def test_invalid_body_is_a_400_naming_the_field_and_creates_nothing(client, body, field):
    response = post(client, body)

    assert response.status_code == 400
    errors = response.json()
    assert field in errors, errors
    assert isinstance(errors[field], list) and errors[field]
    assert Ticket.objects.count() == 0
    assert TicketEvent.objects.count() == 0


def test_status_in_body_says_where_status_is_changed(client):
    response = post(client, {**BILLING_TEXT, "status": "CLOSED"})

    assert response.status_code == 400
    assert "/transition/" in response.json()["status"][0]


@pytest.mark.parametrize("raw", ["[1, 2]", '"Facture impayée"', "42", "null"])
def test_non_object_json_is_a_400(client, raw):
    response = client.post(TICKETS, raw, content_type="application/json")

    assert response.status_code == 400
    assert "non_field_errors" in response.json()
    assert Ticket.objects.count() == 0


def test_malformed_json_is_a_400(client):
    response = client.post(TICKETS, '{"title": ', content_type="application/json")

    assert response.status_code == 400
    assert "detail" in response.json()
    assert Ticket.objects.count() == 0


def test_body_over_the_upload_limit_is_a_json_error(client, settings):
    body = json.dumps({**BILLING_TEXT, "description": "a" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE)})

    response = client.post(TICKETS, body, content_type="application/json")

    assert response.status_code in (400, 413)
    assert response["Content-Type"].startswith("application/json"), response.content[:80]
    assert "detail" in response.json()
    assert Ticket.objects.count() == 0


def test_read_only_fields_echoed_from_a_get_are_ignored(client):
    response = post(client, {**BILLING_TEXT, "id": 999, "classified_by": "manual"})

    assert response.status_code == 201, response.data
    body = response.json()
    assert body["id"] != 999
    assert body["classified_by"] == ClassifiedBy.KEYWORDS


def test_anonymous_create_is_a_401(api_client, catalogue):
    response = api_client.post(TICKETS, BILLING_TEXT, format="json")

    assert response.status_code == 401
    assert "detail" in response.json()
    assert Ticket.objects.count() == 0


def test_form_encoded_body_is_accepted_too(client):
    response = client.post(TICKETS, BILLING_TEXT)

    assert response.status_code == 201
    assert json.loads(response.content)["category"]["slug"] == "billing"
