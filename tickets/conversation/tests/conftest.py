"""The conversation's fixtures: a billing ticket routed to its agent, people around it, and
uploads stored under a fresh directory per test."""

import pytest

from tickets import services
from tickets.tests.factories import AgentFactory


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def ticket(requester, billing_agent):
    """A billing ticket opened by the requester and routed to the billing agent (OPEN)."""
    return services.ticket_create(
        title="Facture impayée", description="Ma facture est impayée.", created_by=requester
    )


@pytest.fixture
def billing_colleague(catalogue):
    """Another agent of the ticket's department (not its assignee)."""
    return AgentFactory(
        user__username="billing-colleague", department=catalogue["billing"].department
    )
