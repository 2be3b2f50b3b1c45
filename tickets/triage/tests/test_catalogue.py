"""The categories the triage chain uses are kept per process, and a change is used at once.

Committed transactions (transaction=True) so that changes publish on commit as in production.
"""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from config.cache import redis_cache
from tickets.models import Category
from tickets.triage.catalogue import catalogue_changed
from tickets.triage.classification import ticket_triage

pytestmark = pytest.mark.django_db(transaction=True)

UNHEARD = "Zorglub frobnication"


@pytest.fixture
def staff_client(staff):
    client = APIClient()
    client.force_authenticate(user=staff)
    return client


def create(client, title, description="Merci.") -> dict:
    response = client.post("/api/tickets/", {"title": title, "description": description}, "json")
    assert response.status_code == 201, response.content
    return response.json()


def category_queries(captured) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if 'FROM "tickets_category"' in q["sql"]]


def test_categories_are_read_once_then_kept(as_user, requester, catalogue):
    client = as_user(requester)
    create(client, "Facture impayée")

    with CaptureQueriesContext(connection) as captured:
        ticket = create(client, "Facture impayée")

    assert ticket["category"]["slug"] == "billing"
    assert category_queries(captured) == []


def test_a_keyword_added_through_the_api_is_used_by_the_next_ticket(
    as_user, requester, staff_client, catalogue
):
    client = as_user(requester)
    assert create(client, UNHEARD)["category"] is None
    billing = catalogue["billing"]

    response = staff_client.patch(
        f"/api/categories/{billing.pk}/", {"keywords": [*billing.keywords, "zorglub"]}, "json"
    )
    assert response.status_code == 200, response.content

    assert create(client, UNHEARD)["category"]["slug"] == "billing"


def test_a_category_deleted_is_no_longer_chosen(as_user, requester, staff_client, catalogue):
    extra = Category.objects.create(
        slug="zorglub", name="Zorglub", department=catalogue["bug"].department, keywords=["zorglub"]
    )
    client = as_user(requester)
    assert create(client, UNHEARD)["category"]["slug"] == "zorglub"

    assert staff_client.delete(f"/api/categories/{extra.pk}/").status_code == 204

    assert create(client, UNHEARD)["category"] is None


def test_a_renamed_department_is_rendered_by_the_next_ticket(as_user, requester, catalogue):
    client = as_user(requester)
    assert create(client, "Facture impayée")["department"]["name"] == "Billing"
    department = catalogue["billing"].department
    department.name = "Accounts receivable"
    department.save()

    assert create(client, "Facture impayée")["department"]["name"] == "Accounts receivable"


def test_a_change_rolled_back_leaves_nothing_behind(catalogue):
    assert ticket_triage(title=UNHEARD, description="").category is None

    with pytest.raises(RuntimeError), transaction.atomic():
        billing = Category.objects.get(slug="billing")
        billing.keywords = [*billing.keywords, "zorglub"]
        billing.save()
        # The changing transaction sees its own change...
        assert ticket_triage(title=UNHEARD, description="").category.slug == "billing"
        raise RuntimeError("roll back")

    # ...and once it is rolled back, nobody does.
    assert ticket_triage(title=UNHEARD, description="").category is None


def test_an_update_without_signals_is_used_once_announced(catalogue):
    assert ticket_triage(title=UNHEARD, description="").category is None
    Category.objects.filter(slug="bug").update(keywords=["zorglub"])

    catalogue_changed()

    assert ticket_triage(title=UNHEARD, description="").category.slug == "bug"


def test_an_unreachable_cache_reads_the_categories_every_time(settings, catalogue, caplog):
    settings.CACHES = {"default": redis_cache("redis://127.0.0.1:1/0", timeout_seconds=0.2)}
    assert ticket_triage(title="Facture impayée", description="").category.slug == "billing"
    Category.objects.filter(slug="bug").update(keywords=["zorglub"])  # no signal, no cache

    assert ticket_triage(title=UNHEARD, description="").category.slug == "bug"
    assert any(r.name == "config.cache" and r.exc_info for r in caplog.records)
