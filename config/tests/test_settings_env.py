"""Settings read from the environment: production security switches, the throttle cache, the
separate JWT key, and the deploy check CI runs (.ci/deploy_check.sh)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# What the checks look at, printed by a fresh interpreter that imports config.settings.
PROBE = """
import json
from config import settings as s
print(json.dumps({
    "debug": s.DEBUG,
    "cache": s.CACHES["default"]["BACKEND"],
    "cache_location": s.CACHES["default"].get("LOCATION"),
    "jwt_key_is_secret_key": s.SIMPLE_JWT["SIGNING_KEY"] == s.SECRET_KEY,
    "rates": s.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
    "num_proxies": s.REST_FRAMEWORK["NUM_PROXIES"],
    "ssl_redirect": s.SECURE_SSL_REDIRECT,
    "hsts": s.SECURE_HSTS_SECONDS,
    "cookies_secure": [s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE],
    "proxy_ssl_header": getattr(s, "SECURE_PROXY_SSL_HEADER", None),
    "max_body": s.DATA_UPLOAD_MAX_MEMORY_SIZE,
    "db_options": s.DATABASES["default"].get("OPTIONS", {}),
}))
"""

SECRET = "s" * 50
BASE_ENV = {
    "DJANGO_DEBUG": "True",
    "DJANGO_SECRET_KEY": SECRET,
    "JWT_SIGNING_KEY": "t" * 50,
    "ML_SIGNING_KEY": "m" * 50,
    "DATABASE_URL": "sqlite:////tmp/unused.sqlite3",
}


def clean_env(**overrides) -> dict:
    """This process's environment without the project's variables, plus `overrides`.

    The .env file is read too, but only for variables not set here; every variable a test
    depends on is set explicitly."""
    prefixes = ("DJANGO_", "JWT_", "ML_SIGNING_", "THROTTLE_", "REDIS_", "DATABASE_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(BASE_ENV)
    env.update(overrides)
    return env


def settings_under(**overrides) -> dict:
    result = subprocess.run(  # noqa: S603 - our interpreter, our code
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=clean_env(**overrides),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_local_defaults_are_for_development():
    found = settings_under(REDIS_URL="", JWT_SIGNING_KEY=SECRET)

    assert found["cache"].endswith("LocMemCache")
    assert found["ssl_redirect"] is False and found["hsts"] == 0
    assert found["num_proxies"] == 0
    assert found["max_body"] == 1_048_576


def test_redis_url_puts_the_throttle_counters_in_redis():
    found = settings_under(REDIS_URL="redis://127.0.0.1:6379/3")

    assert found["cache"] == "django_redis.cache.RedisCache"
    assert found["cache_location"] == "redis://127.0.0.1:6379/3"


def test_rates_and_limits_come_from_the_environment():
    found = settings_under(
        THROTTLE_TOKEN_CLIENT_RATE="7/min",
        THROTTLE_TOKEN_USERNAME_RATE="3/hour",
        THROTTLE_TICKET_CREATE_RATE="100/day",
        DJANGO_NUM_PROXIES="1",
        DJANGO_MAX_REQUEST_BYTES="2048",
    )

    assert found["rates"] == {
        "token_client": "7/min",
        "token_username": "3/hour",
        "ticket_create": "100/day",
    }
    assert found["num_proxies"] == 1
    assert found["max_body"] == 2048


def test_the_jwt_key_is_separate_when_set():
    assert settings_under(JWT_SIGNING_KEY="j" * 50)["jwt_key_is_secret_key"] is False


def test_https_switches_come_from_the_environment():
    found = settings_under(
        DJANGO_SECURE_SSL_REDIRECT="True",
        DJANGO_SECURE_HSTS_SECONDS="31536000",
        DJANGO_SESSION_COOKIE_SECURE="True",
        DJANGO_CSRF_COOKIE_SECURE="True",
        DJANGO_SECURE_PROXY_SSL_HEADER="True",
    )

    assert found["ssl_redirect"] is True
    assert found["hsts"] == 31536000
    assert found["cookies_secure"] == [True, True]
    assert found["proxy_ssl_header"] == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_postgres_connections_time_out():
    found = settings_under(DATABASE_URL="postgres://u:p@127.0.0.1:5432/x")

    assert found["db_options"]["connect_timeout"] == 5


def deploy_check(**overrides) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=clean_env(**overrides),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_ci_deploy_check_passes():
    result = subprocess.run(  # noqa: S603
        ["bash", str(ROOT / ".ci" / "deploy_check.sh")],  # noqa: S607
        cwd=ROOT,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("variable", "off", "warning"),
    [
        ("DJANGO_SECURE_SSL_REDIRECT", "False", "security.W008"),
        ("DJANGO_SECURE_HSTS_SECONDS", "0", "security.W004"),
        ("DJANGO_SESSION_COOKIE_SECURE", "False", "security.W012"),
        ("DJANGO_CSRF_COOKIE_SECURE", "False", "security.W016"),
        ("JWT_SIGNING_KEY", SECRET, "config.W001"),
        ("REDIS_URL", "", "config.W003"),
    ],
)
def test_the_deploy_check_fails_without_each_production_setting(variable, off, warning):
    production = {
        "DJANGO_DEBUG": "False",
        "DJANGO_ALLOWED_HOSTS": "help.example.com",
        "JWT_SIGNING_KEY": "j" * 50,
        "DJANGO_SECURE_SSL_REDIRECT": "True",
        "DJANGO_SECURE_HSTS_SECONDS": "31536000",
        "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS": "True",
        "DJANGO_SECURE_HSTS_PRELOAD": "True",
        "DJANGO_SESSION_COOKIE_SECURE": "True",
        "DJANGO_CSRF_COOKIE_SECURE": "True",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
    }
    production[variable] = off

    result = deploy_check(**production)

    assert result.returncode != 0
    assert warning in result.stdout + result.stderr


def test_a_malformed_rate_stops_start_up():
    result = deploy_check(THROTTLE_TICKET_CREATE_RATE="lots")

    assert result.returncode != 0
    assert "config.E002" in result.stderr
