"""/api/categories/: read for everyone signed in, write for staff; keywords drive triage."""

import pytest
from rest_framework.test import APIClient

from tickets.models import Category, Ticket
from tickets.tests.factories import AgentFactory, TicketFactory

pytestmark = pytest.mark.django_db

CATEGORIES = "/api/categories/"


def category_url(category) -> str:
    return f"{CATEGORIES}{getattr(category, 'pk', category)}/"


def create_ticket(client, title, description="Merci."):
    response = client.post("/api/tickets/", {"title": title, "description": description}, "json")
    assert response.status_code == 201, response.data
    return response.json()


@pytest.fixture
def staff_client(staff):
    """A client of its own, so that `as_user` can sign in someone else alongside."""
    client = APIClient()
    client.force_authenticate(user=staff)
    return client


@pytest.mark.parametrize("who", ["requester", "billing_agent", "staff"])
def test_any_signed_in_user_lists_categories(request, as_user, catalogue, who):
    user = request.getfixturevalue(who)

    response = as_user(getattr(user, "user", user)).get(CATEGORIES)

    assert response.status_code == 200
    rows = {row["slug"]: row for row in response.json()["results"]}
    assert set(rows) == {"billing", "bug", "account", "feature", "other"}
    assert rows["billing"]["department"] == "billing"
    assert "facture" in rows["billing"]["keywords"]


def test_anonymous_cannot_list_categories(api_client):
    assert api_client.get(CATEGORIES).status_code == 401


def test_new_category_keywords_are_used_by_triage_at_once(
    staff_client, as_user, requester, catalogue
):
    agent = AgentFactory(department=catalogue["feature"].department)
    body = {"slug": "zorglub", "name": "Zorglub", "department": "product", "keywords": ["zorglub"]}

    created = staff_client.post(CATEGORIES, body, format="json")
    assert created.status_code == 201, created.data
    assert created.json()["keywords"] == ["zorglub"]

    ticket = create_ticket(as_user(requester), "Mon Zorglub est cassé")

    assert ticket["category"]["slug"] == "zorglub"
    assert ticket["department"]["slug"] == "product"
    assert ticket["assigned_to"]["id"] == agent.user_id


def test_edited_keywords_are_used_by_triage_at_once(staff_client, as_user, requester, catalogue):
    other = catalogue["other"]
    assert create_ticket(as_user(requester), "Wibble")["category"] is None

    response = staff_client.patch(category_url(other), {"keywords": ["wibble"]}, format="json")
    assert response.status_code == 200, response.data

    assert create_ticket(as_user(requester), "Wibble")["category"]["slug"] == "other"

    staff_client.patch(category_url(other), {"keywords": []}, format="json")
    assert create_ticket(as_user(requester), "Wibble")["category"] is None


def test_moving_a_category_sends_new_tickets_to_the_new_department(
    staff_client, as_user, requester, catalogue
):
    response = staff_client.patch(
        category_url(catalogue["billing"]), {"department": "accounts"}, format="json"
    )
    assert response.status_code == 200

    ticket = create_ticket(as_user(requester), "Facture impayée")

    assert ticket["department"]["slug"] == "accounts"


@pytest.mark.parametrize("who", ["requester", "billing_agent"])
def test_only_staff_may_write_categories(request, as_user, catalogue, who):
    user = request.getfixturevalue(who)
    client = as_user(getattr(user, "user", user))
    billing = catalogue["billing"]
    body = {"slug": "x", "name": "X", "department": "billing"}

    assert client.post(CATEGORIES, body, format="json").status_code == 403
    assert client.patch(category_url(billing), {"keywords": []}, format="json").status_code == 403
    assert client.delete(category_url(billing)).status_code == 403
    assert Category.objects.get(pk=billing.pk).keywords == billing.keywords
    assert not Category.objects.filter(slug="x").exists()


def test_staff_delete_a_category_and_its_tickets_stay(staff_client, catalogue):
    ticket = TicketFactory(category=catalogue["feature"])

    assert staff_client.delete(category_url(catalogue["feature"])).status_code == 204

    ticket = Ticket.objects.get(pk=ticket.pk)
    assert ticket.category is None
    assert ticket.department.slug == "product"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"slug": "billing", "name": "Again", "department": "billing"}, "slug"),
        ({"slug": "new", "name": "New", "department": "no-such-department"}, "department"),
        ({"slug": "new", "name": "New"}, "department"),
        (
            {"slug": "new", "name": "New", "department": "billing", "keywords": "facture"},
            "keywords",
        ),
        ({"slug": "new", "name": "New", "department": "billing", "keywords": [""]}, "keywords"),
    ],
)
def test_invalid_category_is_a_400(staff_client, catalogue, body, field):
    response = staff_client.post(CATEGORIES, body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not Category.objects.filter(slug="new").exists()


def test_unknown_category_is_a_404(staff_client):
    assert staff_client.get(category_url(999999)).status_code == 404
