"""Every process that serves or works refuses to start with a missing or placeholder secret (in
any mode) or a short one (DEBUG off), naming the variable and how to make one: `manage.py`
commands, the WSGI application gunicorn loads, and Celery's worker and beat (config/secrets.py,
checked where config/settings.py loads)."""

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from config import secrets as registry
from config.secrets import SECRETS, Secret, env_file_fill, secret_problem, secrets_problems
from config.tests.static_root import collected_static_root

ROOT = Path(__file__).resolve().parents[2]
CELERY = Path(sys.executable).with_name("celery")
VARIABLES = [secret.variable for secret in SECRETS]
GOOD = {
    "DJANGO_SECRET_KEY": "x0M5nQeV3s8PZr-kD1u7yWqT2cLbF9hJ4aGtN6oE_iR",
    "JWT_SIGNING_KEY": "Jq7Lr2Vz9Kx4Tn8Wm3Bs6Pd1Hf5Gc0Ya-Ue_Io2Nb",
    "ML_SIGNING_KEY": "Mk3Pv8Qz1Ws6Xr9Tb2Ny5Hc0Jd7Lf4Ga-Ue_Oi8Re",
}
HOW = "secrets.token_urlsafe"
# The project's old built-in default, and what .env.example and the Dockerfile used to ship.
KNOWN_PLACEHOLDERS = [
    "django-insecure-development-only-key",
    "change-me-in-production",
    "change-me-too",
    "collectstatic-only-not-a-real-secret-0123456789",
]


def env_with(debug: bool, **secrets: str | None) -> dict:
    """This process's environment without the project's variables; GOOD secrets unless
    overridden (None: unset)."""
    prefixes = ("DJANGO_", "JWT_", "ML_", "REDIS_", "DATABASE_", "CELERY_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    env.update(
        DJANGO_DEBUG=str(debug),
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL="sqlite:////tmp/unused-secrets-test.sqlite3",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/15",
    )
    for variable, value in {**GOOD, **secrets}.items():
        if value is None:
            env.pop(variable, None)
        else:
            env[variable] = value
    return env


def run(args: list[str], env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our interpreter, our code
        args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def manage_check(debug: bool, **secrets) -> subprocess.CompletedProcess:
    return run([sys.executable, "manage.py", "check"], env_with(debug, **secrets))


def assert_refused(result: subprocess.CompletedProcess, variable: str, why: str) -> None:
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "Refusing to start" in output, output[-3000:]
    [line] = [row for row in output.splitlines() if row.strip().startswith(f"- {variable} ")]
    assert why in line
    assert HOW in output and "make setup" in output
    # The message never prints a secret's value.
    assert all(value not in output for value in GOOD.values())


# manage.py (every command loads the settings first)


@pytest.mark.parametrize(
    ("debug", "variable"),
    [*((True, variable) for variable in VARIABLES), (False, "JWT_SIGNING_KEY")],
)
def test_a_placeholder_secret_is_refused_in_any_mode(variable, debug):
    result = manage_check(debug, **{variable: "change-me-too"})

    assert_refused(result, variable, "placeholder")


@pytest.mark.parametrize("value", KNOWN_PLACEHOLDERS)
def test_known_public_values_are_placeholders_even_while_debugging(value):
    for secret in SECRETS:
        assert "placeholder" in secret_problem(secret, value, debug=True)
        assert "placeholder" in secret_problem(secret, value.upper(), debug=False)


def test_the_old_built_in_default_is_refused_while_debugging():
    result = manage_check(True, DJANGO_SECRET_KEY="django-insecure-development-only-key")

    assert_refused(result, "DJANGO_SECRET_KEY", "placeholder")


@pytest.mark.parametrize(
    ("debug", "variable"),
    [(True, "DJANGO_SECRET_KEY"), (True, "JWT_SIGNING_KEY"), (False, "ML_SIGNING_KEY")],
)
def test_an_empty_secret_is_refused_in_any_mode(variable, debug):
    result = manage_check(debug, **{variable: ""})

    assert_refused(result, variable, "is not set")


@pytest.mark.skipif((ROOT / ".env").exists(), reason="a .env here would supply the variable")
@pytest.mark.parametrize("debug", [True, False])
def test_an_unset_secret_is_refused_in_any_mode(debug):
    result = manage_check(debug, ML_SIGNING_KEY=None, JWT_SIGNING_KEY=None)

    assert_refused(result, "ML_SIGNING_KEY", "is not set")
    assert_refused(result, "JWT_SIGNING_KEY", "is not set")


def test_a_short_secret_is_refused_with_debug_off():
    for secret in SECRETS:
        assert "shorter than 32" in secret_problem(secret, "k" * 31, debug=False)
        assert secret_problem(secret, "k" * 32, debug=False) is None
    result = manage_check(False, JWT_SIGNING_KEY="s3cr3t-but-only-31-characters-"[:31])

    assert_refused(result, "JWT_SIGNING_KEY", "shorter than 32 characters")


def test_a_short_secret_is_accepted_while_debugging():
    result = manage_check(True, ML_SIGNING_KEY="dev-only-short-key")

    assert result.returncode == 0, result.stderr


def test_real_secrets_start_in_production_mode():
    result = manage_check(False)

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_every_problem_is_listed_at_once():
    result = manage_check(
        False, DJANGO_SECRET_KEY="change-me", JWT_SIGNING_KEY="", ML_SIGNING_KEY="short"
    )

    assert_refused(result, "DJANGO_SECRET_KEY", "placeholder")
    assert_refused(result, "JWT_SIGNING_KEY", "is not set")
    assert_refused(result, "ML_SIGNING_KEY", "shorter")


def test_the_values_env_example_ships_are_refused():
    shipped = registry_values(ROOT / ".env.example")

    assert set(shipped) == set(VARIABLES)
    result = manage_check(True, **shipped)
    for variable in VARIABLES:
        assert_refused(result, variable, "")


# gunicorn's entry point and Celery's worker and beat


def import_wsgi(debug: bool, **secrets) -> subprocess.CompletedProcess:
    return run([sys.executable, "-c", "import config.wsgi"], env_with(debug, **secrets))


@pytest.mark.parametrize("debug", [True, False])
def test_the_wsgi_application_refuses_a_placeholder(debug):
    assert_refused(import_wsgi(debug, JWT_SIGNING_KEY="change-me-too"), "JWT_SIGNING_KEY", "")


def test_the_wsgi_application_refuses_a_short_key_in_production():
    assert_refused(import_wsgi(False, ML_SIGNING_KEY="0123456789"), "ML_SIGNING_KEY", "shorter")


def test_the_wsgi_application_loads_with_real_secrets():
    # Production also needs its collected static files (config.E020) to start.
    result = run(
        [sys.executable, "-c", "import config.wsgi"],
        {**env_with(False), "DJANGO_STATIC_ROOT": str(collected_static_root())},
    )

    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("service", ["worker", "beat"])
@pytest.mark.parametrize(
    ("debug", "secrets", "variable"),
    [
        (True, {"ML_SIGNING_KEY": "change-me-ml"}, "ML_SIGNING_KEY"),
        (False, {"DJANGO_SECRET_KEY": "tiny"}, "DJANGO_SECRET_KEY"),
    ],
)
def test_celery_worker_and_beat_refuse_to_start(tmp_path, service, debug, secrets, variable):
    """They run no system checks; loading the settings is what stops them, before any task."""
    args = [str(CELERY), "-A", "config", service, "--loglevel", "INFO"]
    if service == "beat":
        args += ["--schedule", str(tmp_path / "beat-schedule")]

    result = run(args, env_with(debug, **secrets))

    assert_refused(result, variable, "")


def test_the_celery_app_reads_the_settings_with_real_secrets():
    result = run(
        [sys.executable, "-c", "from config.celery import app; print(app.conf.broker_url)"],
        env_with(False),
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "redis://127.0.0.1:6379/15"


# The registry and `make setup`'s .env


def registry_values(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        name, _, value = line.partition("=")
        if name in VARIABLES:
            values[name] = value
    return values


def test_env_example_documents_every_secret_and_gives_none_a_usable_value():
    lines = (ROOT / ".env.example").read_text().splitlines()
    for secret in SECRETS:
        [index] = [i for i, line in enumerate(lines) if line.startswith(f"{secret.variable}=")]
        assert lines[index - 1].startswith("#"), f"{secret.variable} has no comment line"
        value = lines[index].partition("=")[2]
        assert secret_problem(secret, value, debug=True) is not None


def test_make_setup_writes_a_private_env_whose_keys_start_production(tmp_path):
    env_file = tmp_path / ".env"
    result = run(
        [sys.executable, "-m", "config.secrets", str(env_file), str(ROOT / ".env.example")],
        env_with(True),
    )
    assert result.returncode == 0, result.stderr

    written = registry_values(env_file)
    assert set(written) == set(VARIABLES)
    assert len(set(written.values())) == len(VARIABLES)  # each its own key
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    assert manage_check(False, **written).returncode == 0
    # Everything else is the example's.
    example = (ROOT / ".env.example").read_text().splitlines()
    kept = [
        line
        for line in env_file.read_text().splitlines()
        if line.partition("=")[0] not in VARIABLES
    ]
    assert kept == [line for line in example if line.partition("=")[0] not in VARIABLES]


def test_make_setup_keeps_set_keys_and_replaces_missing_or_placeholder_ones(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text(
        f"DJANGO_DEBUG=True\nDJANGO_SECRET_KEY={GOOD['DJANGO_SECRET_KEY']}\n"
        "JWT_SIGNING_KEY=change-me-too\n"
    )

    filled = env_file_fill(env_file, ROOT / ".env.example")

    assert filled == ["JWT_SIGNING_KEY", "ML_SIGNING_KEY"]
    written = registry_values(env_file)
    assert written["DJANGO_SECRET_KEY"] == GOOD["DJANGO_SECRET_KEY"]
    assert secrets_problems(written, debug=False) == []
    assert env_file_fill(env_file, ROOT / ".env.example") == []


def test_a_secret_added_later_is_one_registry_line(monkeypatch, tmp_path):
    """An optional secret (say, an inbound-mail secret): unset switches its feature off, a
    placeholder is refused like any other, and `make setup` leaves it to the operator."""
    mail = Secret("INBOUND_MAIL_SECRET", "INBOUND_MAIL_SECRET", "authenticates mail", False)
    monkeypatch.setattr(registry, "SECRETS", (*SECRETS, mail))

    assert secrets_problems({**GOOD, "INBOUND_MAIL_SECRET": ""}, debug=False) == []
    [problem] = secrets_problems({**GOOD, "INBOUND_MAIL_SECRET": "change-me"}, debug=False)
    assert problem.startswith("INBOUND_MAIL_SECRET is a known placeholder")
    env_file = tmp_path / ".env"
    env_file.write_text("INBOUND_MAIL_SECRET=\n")
    assert "INBOUND_MAIL_SECRET" not in env_file_fill(env_file, ROOT / ".env.example")
