"""/api/departments/: read for everyone signed in, write for staff, safe deletion."""

import pytest
from rest_framework.test import APIClient

from agents.models import Department
from tickets.tests.factories import AgentFactory, DepartmentFactory, TicketFactory

pytestmark = pytest.mark.django_db

DEPARTMENTS = "/api/departments/"


def department_url(department) -> str:
    return f"{DEPARTMENTS}{getattr(department, 'pk', department)}/"


@pytest.fixture
def staff_client(staff):
    """A client of its own, so that `as_user` can sign in someone else alongside."""
    client = APIClient()
    client.force_authenticate(user=staff)
    return client


@pytest.mark.parametrize("who", ["requester", "billing_agent", "staff"])
def test_any_signed_in_user_lists_departments(request, as_user, catalogue, who):
    user = request.getfixturevalue(who)

    response = as_user(getattr(user, "user", user)).get(DEPARTMENTS)

    assert response.status_code == 200
    slugs = {row["slug"] for row in response.json()["results"]}
    assert slugs == {"general", "billing", "technical", "accounts", "product"}


def test_anonymous_cannot_list_departments(api_client):
    assert api_client.get(DEPARTMENTS).status_code == 401


def test_staff_create_rename_and_delete_a_department(staff_client):
    created = staff_client.post(DEPARTMENTS, {"slug": "legal", "name": "Legal"}, format="json")
    assert created.status_code == 201, created.data
    pk = created.json()["id"]

    renamed = staff_client.patch(department_url(pk), {"name": "Legal & Compliance"}, format="json")
    assert renamed.status_code == 200
    assert Department.objects.get(pk=pk).name == "Legal & Compliance"

    assert staff_client.delete(department_url(pk)).status_code == 204
    assert not Department.objects.filter(pk=pk).exists()


@pytest.mark.parametrize("who", ["requester", "billing_agent"])
def test_only_staff_may_write_departments(request, as_user, catalogue, who):
    user = request.getfixturevalue(who)
    client = as_user(getattr(user, "user", user))
    empty = DepartmentFactory(slug="empty")

    assert client.post(DEPARTMENTS, {"slug": "x", "name": "X"}, format="json").status_code == 403
    assert client.patch(department_url(empty), {"name": "Y"}, format="json").status_code == 403
    assert client.delete(department_url(empty)).status_code == 403
    assert Department.objects.get(pk=empty.pk).name == empty.name
    assert not Department.objects.filter(slug="x").exists()


def test_department_with_agents_cannot_be_deleted(staff_client):
    department = DepartmentFactory()
    AgentFactory(department=department)

    response = staff_client.delete(department_url(department))

    assert response.status_code == 409
    assert "department" in response.json()
    assert Department.objects.filter(pk=department.pk).exists()


def test_department_with_categories_cannot_be_deleted(staff_client, catalogue):
    response = staff_client.delete(department_url(catalogue["feature"].department))

    assert response.status_code == 409
    assert Department.objects.filter(slug="product").exists()


def test_general_department_cannot_be_deleted(staff_client):
    general = Department.objects.get(slug="general")
    general.categories.all().delete()

    response = staff_client.delete(department_url(general))

    assert response.status_code == 409
    assert Department.objects.filter(slug="general").exists()


def test_renaming_general_does_not_break_tickets_nothing_can_place(
    staff_client, as_user, requester
):
    """Unclassifiable tickets go to General, found by its slug: renaming that slug must either
    be refused or leave ticket creation working."""
    general = Department.objects.get(slug="general")
    staff_client.patch(department_url(general), {"slug": "misc"}, format="json")

    response = as_user(requester).post(
        "/api/tickets/", {"title": "Bonjour", "description": "Une question."}, format="json"
    )

    assert response.status_code == 201, response.content
    assert response.json()["department"]["name"] == "General"


def test_deleting_a_department_keeps_its_tickets(staff_client):
    department = DepartmentFactory()
    ticket = TicketFactory(department=department)

    assert staff_client.delete(department_url(department)).status_code == 204

    ticket.refresh_from_db()
    assert ticket.department is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"slug": "billing", "name": "Billing again"}, "slug"),
        ({"slug": "money", "name": "Billing"}, "name"),
        ({"slug": "not a slug!", "name": "Bad"}, "slug"),
        ({"name": "No slug"}, "slug"),
    ],
)
def test_invalid_department_is_a_400(staff_client, catalogue, body, field):
    before = Department.objects.count()

    response = staff_client.post(DEPARTMENTS, body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert Department.objects.count() == before


def test_renaming_to_a_taken_slug_is_a_400(staff_client, catalogue):
    product = catalogue["feature"].department

    response = staff_client.patch(department_url(product), {"slug": "billing"}, format="json")

    assert response.status_code == 400
    assert "slug" in response.json()
    assert Department.objects.get(pk=product.pk).slug == "product"


def test_unknown_department_is_a_404(staff_client):
    assert staff_client.get(department_url(999999)).status_code == 404
    assert staff_client.delete(department_url(999999)).status_code == 404
