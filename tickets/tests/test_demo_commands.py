"""The demo commands stay demo: with DJANGO_DEBUG=False (a real installation, and the test
settings) `seed_tickets` and `setup_demo` refuse unless --force, and say why."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from tickets.models import Ticket
from tickets.tests.factories import TicketFactory

pytestmark = pytest.mark.django_db

DEMO_LOGINS = ["admin", "demo", "alice"]


def demo_logins() -> list[str]:
    return list(
        get_user_model().objects.filter(username__in=DEMO_LOGINS).values_list("username", flat=True)
    )


@pytest.mark.parametrize("keep", [[], ["--keep"]])
def test_seed_tickets_refuses_without_force_when_debug_is_off(settings, keep):
    settings.DEBUG = False
    ticket = TicketFactory()

    with pytest.raises(CommandError) as refused:
        call_command("seed_tickets", "--n", "5", *keep, stdout=StringIO())

    message = str(refused.value)
    assert "DJANGO_DEBUG is False" in message
    assert "--force" in message
    assert "'demo'" in message
    assert ("deletes every ticket" in message) is not bool(keep)
    assert list(Ticket.objects.values_list("pk", flat=True)) == [ticket.pk]
    assert demo_logins() == []


def test_setup_demo_refuses_without_force_when_debug_is_off(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match=r"DJANGO_DEBUG is False.*--force"):
        call_command("setup_demo", "--tickets", "5", stdout=StringIO())

    assert demo_logins() == []
    assert not Ticket.objects.exists()


def test_force_runs_them_with_debug_off(settings):
    settings.DEBUG = False

    call_command("setup_demo", "--tickets", "0", "--force", stdout=StringIO())
    call_command("seed_tickets", "--n", "5", "--force", stdout=StringIO())

    assert sorted(demo_logins()) == sorted(DEMO_LOGINS)
    assert Ticket.objects.count() == 5


def test_in_development_they_run_as_before(settings):
    settings.DEBUG = True

    call_command("setup_demo", "--tickets", "3", stdout=StringIO())
    call_command("seed_tickets", "--n", "4", stdout=StringIO())

    assert sorted(demo_logins()) == sorted(DEMO_LOGINS)
    assert Ticket.objects.count() == 4
