"""Demo commands create logins whose passwords are published (README) and may delete every
ticket: on a configuration that looks like production (DJANGO_DEBUG=False) they refuse,
saying why, unless told --force."""

from django.conf import settings
from django.core.management.base import CommandError

FORCE_HELP = "Run even with DJANGO_DEBUG=False (a demo, CI or benchmark database only)."


def demo_command_check(*, command: str, does: str, force: bool) -> None:
    """Raise CommandError unless DEBUG is on or the operator passed --force."""
    if settings.DEBUG or force:
        return
    raise CommandError(
        f"{command} {does}. Refused because DJANGO_DEBUG is False (a real installation?). "
        f"On a demo, CI or benchmark database, run it again with --force."
    )
