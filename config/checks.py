"""System checks of the security configuration (`manage.py check [--deploy]`).

Errors stop runserver, migrate and gunicorn (config/wsgi.py runs the checks at start-up);
warnings tagged deploy make `check --deploy --fail-level WARNING` fail in CI. Deploy checks
tagged SERVER_START stop gunicorn too; of the `manage.py` commands, only `check --deploy` runs
them.
"""

from django.apps import apps
from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured
from rest_framework.throttling import SimpleRateThrottle

from config.secrets import HOW_TO_MAKE_ONE, SECRETS, secret_problem

BLACKLIST_APP = "rest_framework_simplejwt.token_blacklist"


@register(Tags.security)
def jwt_blacklist_check(app_configs, **kwargs) -> list:
    """Rotating refresh tokens without the blacklist app leaves every used refresh token valid
    (and logout a no-op): refuse to start."""
    jwt = getattr(settings, "SIMPLE_JWT", {})
    if jwt.get("ROTATE_REFRESH_TOKENS") and not apps.is_installed(BLACKLIST_APP):
        return [
            Error(
                "ROTATE_REFRESH_TOKENS is on but the token blacklist app is not installed: "
                "refresh tokens already used, and those sent to logout, would stay valid.",
                hint=f"Add {BLACKLIST_APP!r} to INSTALLED_APPS (and migrate).",
                id="config.E001",
            )
        ]
    if jwt.get("ROTATE_REFRESH_TOKENS") and not jwt.get("BLACKLIST_AFTER_ROTATION"):
        return [
            Warning(
                "ROTATE_REFRESH_TOKENS is on without BLACKLIST_AFTER_ROTATION: a stolen refresh "
                "token stays usable after its owner has refreshed.",
                hint="Set SIMPLE_JWT['BLACKLIST_AFTER_ROTATION'] = True.",
                id="config.W004",
            )
        ]
    return []


@register(Tags.security)
def throttle_rates_check(app_configs, **kwargs) -> list:
    """A malformed THROTTLE_*_RATE would otherwise surface as a 500 on the first request."""
    rates = getattr(settings, "REST_FRAMEWORK", {}).get("DEFAULT_THROTTLE_RATES", {})
    errors = []
    for scope, rate in rates.items():
        if rate is None:
            continue
        try:
            number, _ = SimpleRateThrottle.parse_rate(None, rate)
            valid = number > 0
        except (ValueError, IndexError, AttributeError, KeyError):
            valid = False
        if not valid:
            errors.append(
                Error(
                    f"Throttle rate {rate!r} of scope {scope!r} is not of the form N/unit.",
                    hint="For example 20/min, 5/s, 1000/hour or 10000/day.",
                    id="config.E002",
                )
            )
    return errors


@register(Tags.security, deploy=True)
def jwt_signing_key_check(app_configs, **kwargs) -> list:
    """The JWT key must be its own secret: rotating SECRET_KEY then does not log out API
    clients, and a leaked session key does not let anyone mint API tokens. (A weak or
    placeholder key is an error of secrets_check, config.E003.)"""
    key = getattr(settings, "SIMPLE_JWT", {}).get("SIGNING_KEY") or settings.SECRET_KEY
    if key == settings.SECRET_KEY:
        return [
            Warning(
                "JWTs are signed with SECRET_KEY.",
                hint="Set JWT_SIGNING_KEY to a separate random secret.",
                id="config.W001",
            )
        ]
    return []


@register(Tags.security)
def secrets_check(app_configs, **kwargs) -> list:
    """Every secret of config/secrets.py, as the settings in force hold it (config/settings.py
    refuses them at load already; this catches a settings module that sets them otherwise):
    missing or a placeholder in any mode, short with DEBUG off."""
    errors = []
    for secret in SECRETS:
        value = settings
        for part in secret.setting.split("."):
            value = value.get(part) if isinstance(value, dict) else getattr(value, part, None)
        problem = secret_problem(secret, value, debug=settings.DEBUG)
        if problem:
            errors.append(
                Error(
                    f"The secret {secret.variable} (setting {secret.setting}) {problem}.",
                    hint=f"Generate one: {HOW_TO_MAKE_ONE}.",
                    id="config.E003",
                )
            )
    return errors


@register(Tags.security, deploy=True)
def shared_throttle_cache_check(app_configs, **kwargs) -> list:
    """Per-process counters multiply every rate limit by the number of server processes."""
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if backend.endswith(("LocMemCache", "DummyCache")):
        return [
            Warning(
                "The default cache is local to each process, so rate limits (login "
                "throttling) are counted per process, not per deployment.",
                hint="Set REDIS_URL.",
                id="config.W003",
            )
        ]
    return []


# Deploy checks that the WSGI server also runs at start-up (config/wsgi.py), apart from
# `manage.py` commands: migrate, createsuperuser or collectstatic itself must not need them.
SERVER_START = "server_start"


@register(SERVER_START, Tags.staticfiles, deploy=True)
def static_manifest_check(app_configs, **kwargs) -> list:
    """With DEBUG off, the manifest storage answers 500 on every page that names a static file
    (admin, dashboard, API docs) until `collectstatic` has written its manifest."""
    if settings.DEBUG:
        return []
    from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage
    from django.core.files.storage import storages
    from django.utils.module_loading import import_string

    backend = storages.backends.get("staticfiles", {}).get("BACKEND", "")
    if not backend or not issubclass(import_string(backend), ManifestFilesMixin):
        return []
    hint = (
        "Run `python manage.py collectstatic --noinput` (the Docker image and compose's web "
        "command do), with the same DJANGO_STATIC_ROOT as the server."
    )
    try:  # the storage reads its manifest as it is made
        manifest = staticfiles_storage.manifest_storage
        where = manifest.path(staticfiles_storage.manifest_name)
        found = manifest.exists(staticfiles_storage.manifest_name)
    except (ImproperlyConfigured, ValueError) as error:  # no STATIC_ROOT, unreadable manifest
        return [Error(f"Static files cannot be served: {error}", hint=hint, id="config.E020")]
    if found:
        return []
    return [
        Error(
            f"No static files manifest at {where}: the admin, the dashboard and the API docs "
            "would answer 500.",
            hint=hint,
            id="config.E020",
        )
    ]
