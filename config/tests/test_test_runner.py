"""`python manage.py test [labels]` runs the pytest suite (config/test_runner.py), with the
test settings, and fails when a test fails."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from config.test_runner import PytestTestRunner, label_to_pytest, pytest_environment

ROOT = Path(__file__).resolve().parents[2]
PROBE = "config.tests.test_test_runner.test_probe_run_by_manage_py_test"


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("tickets", "tickets"),
        ("tickets.tests", "tickets/tests"),
        ("tickets.tests.test_routing", "tickets/tests/test_routing.py"),
        ("tickets.tests.test_routing.test_x", "tickets/tests/test_routing.py::test_x"),
        (
            "config.tests.test_test_runner.TestSome.test_case",
            "config/tests/test_test_runner.py::TestSome::test_case",
        ),
        ("tickets/tests/test_routing.py::test_x", "tickets/tests/test_routing.py::test_x"),
        ("no_such_app.tests", "no_such_app.tests"),
    ],
)
def test_django_labels_become_pytest_paths(label, expected):
    assert label_to_pytest(label, root=ROOT) == expected


def test_the_options_become_pytest_options():
    runner = PytestTestRunner(verbosity=2, failfast=True, keepdb=True, pytest_k="routing")

    args = runner.pytest_args(["tickets"])

    assert args[0] == "--ds=config.test_settings"
    assert {"-v", "--exitfirst", "--reuse-db"} <= set(args)
    assert args[args.index("-k") + 1] == "routing"
    assert args[-1] == "tickets"


def test_what_dotenv_added_is_left_out_of_the_tests_environment(settings, monkeypatch):
    monkeypatch.setenv("FROM_DOTENV", "1")
    monkeypatch.setenv("FROM_THE_SHELL", "1")
    settings.DOTENV_NAMES = frozenset({"FROM_DOTENV"})

    env = pytest_environment()

    assert "FROM_DOTENV" not in env
    assert env["FROM_THE_SHELL"] == "1"
    assert env["DJANGO_SETTINGS_MODULE"] == "config.test_settings"


def test_probe_run_by_manage_py_test():
    """What the tests below run through `manage.py test`; on its own, nothing to check."""
    outcome = os.environ.get("TEST_RUNNER_PROBE")
    if outcome is None:
        pytest.skip("run by test_manage_py_test_* only")
    assert os.environ["DJANGO_SETTINGS_MODULE"] == "config.test_settings"
    assert settings.PASSWORD_HASHERS == ["django.contrib.auth.hashers.MD5PasswordHasher"]
    assert settings.CELERY_BROKER_URL == ""
    assert outcome == "pass"


def manage_py_test(*args: str, probe: str) -> subprocess.CompletedProcess:
    """`python manage.py test ...` as a user runs it: Django's own settings module."""
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["TEST_RUNNER_PROBE"] = probe
    return subprocess.run(  # noqa: S603 - our interpreter, our command
        [sys.executable, "manage.py", "test", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_manage_py_test_runs_the_pytest_tests_with_the_test_settings():
    done = manage_py_test(PROBE, probe="pass")

    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout


def test_manage_py_test_fails_when_a_test_fails():
    done = manage_py_test(PROBE, probe="fail")

    assert done.returncode == 1, done.stdout + done.stderr
    assert "1 failed" in done.stdout


def test_a_selection_without_tests_is_a_failure_not_an_ok(monkeypatch):
    """pytest's status 5 (no test collected) must not read as success, unlike Django's own
    runner's "Ran 0 tests ... OK"."""
    calls = []

    def fake_run(command, **kwargs):
        calls.append(command)
        return subprocess.CompletedProcess(command, 5)

    monkeypatch.setattr(subprocess, "run", fake_run)

    assert PytestTestRunner().run_tests(["tickets"]) == 5
    assert calls[0][1:4] == ["-m", "pytest", "--ds=config.test_settings"]
