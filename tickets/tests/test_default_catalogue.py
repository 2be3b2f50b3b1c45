"""A fresh database classifies and routes without demo data: the default triage catalogue
installed by tickets/migrations/0008_default_catalogue.py.

Every test's database is built by running the migrations, so what these tests see without
the `catalogue` fixture is what `manage.py migrate` leaves behind.
"""

from importlib import import_module
from io import StringIO
from types import SimpleNamespace

import pytest
from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from rest_framework.test import APIClient

from agents.models import Agent, Department
from tickets.demo import catalogue as demo_catalogue
from tickets.models import Category, ClassifiedBy, Ticket
from tickets.triage.classification import ticket_triage

pytestmark = pytest.mark.django_db

migration = import_module("tickets.migrations.0008_default_catalogue")

DEFAULT_DEPARTMENTS = {
    "general": "General",
    "billing": "Billing",
    "technical": "Technical Support",
    "accounts": "Accounts & Access",
    "product": "Product",
}
# One keyword per category and language: en, fr, it, de.
SAMPLES = {
    "billing": ["invoice", "facture", "fattura", "Rechnung"],
    "bug": ["error", "erreur", "errore", "Fehler"],
    "account": ["password", "mot de passe", "credenziali", "Passwort"],
    "feature": ["feature request", "fonctionnalité", "funzionalità", "Vorschlag"],
    "other": ["opening hours", "horaires", "orari", "Öffnungszeiten"],
}


def install_again():
    """Run the migration's function as `migrate` runs it."""
    migration.install_default_catalogue(django_apps, SimpleNamespace(connection=connection))


def test_a_migrated_database_has_the_default_departments_and_categories():
    departments = dict(Department.objects.values_list("slug", "name"))
    categories = {c.slug: c.department.slug for c in Category.objects.select_related("department")}

    assert departments == DEFAULT_DEPARTMENTS
    assert categories == {
        "billing": "billing",
        "bug": "technical",
        "account": "accounts",
        "feature": "product",
        "other": "general",
    }


@pytest.mark.parametrize(
    ("slug", "text"),
    [(slug, text) for slug, texts in SAMPLES.items() for text in texts],
)
def test_each_category_has_keywords_in_english_french_italian_and_german(slug, text):
    decision = ticket_triage(title=text, description="")

    assert decision.category is not None, text
    assert decision.category.slug == slug
    assert decision.prediction.source == ClassifiedBy.KEYWORDS


def test_installing_for_real_a_french_invoice_ticket_reaches_the_billing_agent(monkeypatch):
    """migrate (this database), createsuperuser, one agent in Billing, no demo data: the
    French spec's example ticket is classified, sent to Billing and assigned."""
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-admin-pass-42")
    call_command(
        "createsuperuser", "--noinput", username="root", email="root@example.com", verbosity=0
    )
    User = get_user_model()
    marie = User.objects.create_user("marie", "marie@example.com", "a-long-agent-pass-42")
    Agent.objects.create(user=marie, department=Department.objects.get(name="Billing"))
    assert not User.objects.filter(username__in=["admin", "demo", "alice"]).exists()

    client = APIClient()
    tokens = client.post(
        "/api/token/", {"username": "root", "password": "a-long-admin-pass-42"}, format="json"
    )
    assert tokens.status_code == 200, tokens.content
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens.json()['access']}")
    response = client.post(
        "/api/tickets/",
        {"title": "Problème de facture", "description": "Ma facture de mars est fausse."},
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["category"]["slug"] == "billing"
    assert body["department"]["name"] == "Billing"
    assert body["assigned_to"] == {"id": marie.pk, "username": "marie"}
    assert body["classified_by"] == ClassifiedBy.KEYWORDS
    assert Ticket.objects.get(pk=body["id"]).assigned_to == marie


def test_the_migration_never_overwrites_what_an_operator_changed():
    billing = Category.objects.get(slug="billing")
    billing.name = "Invoices"
    billing.keywords = ["facture"]
    billing.department = Department.objects.get(slug="general")
    billing.save()
    Department.objects.filter(slug="product").update(name="Product Management")
    Category.objects.filter(slug="feature").delete()

    install_again()
    install_again()

    billing = Category.objects.get(slug="billing")
    assert (billing.name, billing.keywords, billing.department.slug) == (
        "Invoices",
        ["facture"],
        "general",
    )
    assert Department.objects.get(slug="product").name == "Product Management"
    # What is missing is installed again, once.
    assert Category.objects.get(slug="feature").department.slug == "product"
    assert Category.objects.count() == 5
    assert Department.objects.count() == 5


def test_a_department_named_like_a_default_one_is_reused_not_duplicated():
    Category.objects.filter(department__slug="billing").delete()
    Department.objects.filter(slug="billing").update(slug="finance")

    install_again()

    assert not Department.objects.filter(slug="billing").exists()
    assert Category.objects.get(slug="billing").department.slug == "finance"


def test_the_default_catalogue_is_the_demo_catalogue_without_its_people():
    """The demo installs the same departments and categories (tickets/demo/catalogue.py), so
    `setup_demo` on a migrated database changes none of them; keep the two equal."""
    assert migration.DEPARTMENTS == demo_catalogue.DEPARTMENTS
    assert migration.CATEGORIES == demo_catalogue.CATEGORIES


def test_the_demo_catalogue_installs_over_the_default_one_without_changing_it():
    before = list(Category.objects.order_by("slug").values("slug", "name", "keywords"))

    call_command("setup_demo", "--tickets", "0", "--force", stdout=StringIO())

    assert list(Category.objects.order_by("slug").values("slug", "name", "keywords")) == before
    assert Department.objects.count() == 5


@pytest.mark.django_db(transaction=True)
def test_a_flushed_database_gets_the_default_catalogue_back_from_its_fixture(default_catalogue):
    assert set(default_catalogue) == set(SAMPLES)
    assert ticket_triage(title="Rechnung", description="").category.slug == "billing"
