"""Fixtures shared by every app's tests."""

from importlib import import_module
from types import SimpleNamespace

import pytest
from django.apps import apps as django_apps
from django.db import connection
from rest_framework.test import APIClient

from agents.tests.factories import AgentFactory, StaffFactory, UserFactory
from tickets.demo.seeding import catalogue_install
from tickets.models import Category


@pytest.fixture(autouse=True)
def _isolated_ml(settings, tmp_path):
    """A fresh artefact directory, and no model or categories cached from another test."""
    from tickets.triage import catalogue as triage_catalogue
    from tickets.triage import registry

    settings.ML_ARTIFACT_DIR = tmp_path / "ml-artifacts"
    registry.reset_cache()
    triage_catalogue.reset_cache()
    yield
    registry.reset_cache()
    triage_catalogue.reset_cache()


@pytest.fixture(autouse=True)
def _fresh_calendars():
    """No calendar kept from another test (a rolled-back calendar's id can come back)."""
    from agents import shifts

    shifts.reset_cache()
    yield
    shifts.reset_cache()


@pytest.fixture(autouse=True)
def _fresh_sla_policies():
    """No SLA policy kept from another test (tickets/sla/policies.py)."""
    from tickets.sla import policies

    policies.reset_cache()
    yield
    policies.reset_cache()


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def default_catalogue(db):
    """The departments and categories a fresh database has (the data migration
    tickets/migrations/0008_default_catalogue.py), by slug. Every test's database starts with
    them, except in a transactional test after another one flushed the database: this puts
    them back, as the migration would (rows already there are left alone)."""
    migration = import_module("tickets.migrations.0008_default_catalogue")
    migration.install_default_catalogue(django_apps, SimpleNamespace(connection=connection))
    return {c.slug: c for c in Category.objects.select_related("department")}


@pytest.fixture
def catalogue(db):
    """The demo departments and categories (with their multilingual keywords), by slug."""
    return catalogue_install()


@pytest.fixture
def staff(db):
    return StaffFactory(username="staff")


@pytest.fixture
def requester(db):
    return UserFactory(username="requester")


@pytest.fixture
def other_requester(db):
    return UserFactory(username="other-requester")


@pytest.fixture
def billing_agent(catalogue):
    return AgentFactory(user__username="billing-agent", department=catalogue["billing"].department)


@pytest.fixture
def tech_agent(catalogue):
    return AgentFactory(user__username="tech-agent", department=catalogue["bug"].department)


@pytest.fixture
def as_user(api_client):
    """`as_user(user)` authenticates the API client as that user and returns it."""

    def login(user) -> APIClient:
        api_client.force_authenticate(user=user)
        return api_client

    return login
