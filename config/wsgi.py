"""WSGI entry point (gunicorn config.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()


def _refuse_to_start_on_check_errors() -> None:
    """gunicorn does not run the system checks as manage.py does: a serious configuration
    error (config/checks.py, say token rotation without the blacklist) must stop the server
    rather than let it serve. So must a deploy check tagged SERVER_START (a missing static
    files manifest), which `manage.py` commands other than `check --deploy` leave alone."""
    from django.core import checks
    from django.core.exceptions import ImproperlyConfigured

    from config.checks import SERVER_START

    found = checks.run_checks() + checks.run_checks(
        tags=[SERVER_START], include_deployment_checks=True
    )
    serious = [message for message in found if message.is_serious()]
    if serious:
        raise ImproperlyConfigured("\n".join(str(message) for message in serious))


_refuse_to_start_on_check_errors()
