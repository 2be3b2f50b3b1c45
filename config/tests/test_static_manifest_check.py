"""config.E020: with DEBUG off, no static files manifest means a 500 on the admin, the dashboard
and the API docs; gunicorn refuses to start instead, `check --deploy` reports it, and the
commands that come before collectstatic (migrate) and collectstatic itself still run."""

import json
import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from config.checks import SERVER_START, static_manifest_check
from config.tests.static_root import collected_static_root

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}


@pytest.fixture
def production_static(settings, tmp_path):
    """Production's static storage, over an empty STATIC_ROOT."""
    settings.DEBUG = False
    settings.STORAGES = STORAGES
    settings.STATIC_ROOT = tmp_path / "static"
    return settings.STATIC_ROOT


def test_no_manifest_is_an_error_naming_collectstatic(production_static):
    errors = static_manifest_check(None)

    assert [error.id for error in errors] == ["config.E020"]
    assert str(production_static / "staticfiles.json") in errors[0].msg
    assert "collectstatic" in errors[0].hint


def test_a_manifest_satisfies_it(production_static):
    production_static.mkdir()
    manifest = {"paths": {}, "version": "1.1", "hash": ""}
    (production_static / "staticfiles.json").write_text(json.dumps(manifest))

    assert static_manifest_check(None) == []


def test_no_static_root_or_an_unreadable_manifest_is_an_error_too(production_static, settings):
    production_static.mkdir()
    (production_static / "staticfiles.json").write_text("{not json")
    assert [error.id for error in static_manifest_check(None)] == ["config.E020"]

    settings.STATIC_ROOT = None
    assert [error.id for error in static_manifest_check(None)] == ["config.E020"]


def test_development_and_storages_without_a_manifest_are_left_alone(production_static, settings):
    settings.STORAGES = {
        **STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    assert static_manifest_check(None) == []
    settings.STORAGES = STORAGES
    settings.DEBUG = True
    assert static_manifest_check(None) == []


def test_check_deploy_reports_it(production_static):
    with pytest.raises(SystemCheckError, match="config.E020"):
        call_command("check", "--deploy", "--tag", SERVER_START)


@pytest.mark.django_db
def test_migrate_then_collectstatic_run_without_a_manifest_and_then_it_is_there(
    production_static, settings
):
    # Plain manifest storage: the same manifest, without compressing every file.
    settings.STORAGES = {
        **STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    call_command("migrate", verbosity=0, skip_checks=False)
    call_command("collectstatic", "--noinput", verbosity=0, skip_checks=False)

    assert (production_static / "staticfiles.json").exists()
    assert static_manifest_check(None) == []


def start_wsgi(static_root) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "False",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "JWT_SIGNING_KEY": secrets.token_urlsafe(50),
        "DJANGO_STATIC_ROOT": str(static_root),
    }
    return subprocess.run(  # noqa: S603 - our interpreter, our module
        [sys.executable, "-c", "import config.wsgi"],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_wsgi_application_refuses_to_load_without_the_manifest(tmp_path):
    refused = start_wsgi(tmp_path / "never-collected")
    started = start_wsgi(collected_static_root())

    assert refused.returncode != 0
    assert "config.E020" in refused.stderr and "collectstatic" in refused.stderr
    assert started.returncode == 0, started.stderr[-2000:]
