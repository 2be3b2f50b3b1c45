"""`python manage.py test [labels]` runs the project's pytest suite (the Italian spec's command).

Django's own runner finds no unittest classes here ("Ran 0 tests ... OK"); this one, as
pytest-django documents, hands the labels to pytest. It runs pytest in a child process with
the test settings (config.test_settings: no broker, fast password hashing), because this
process has already configured Django with config.settings, and with the environment as the
shell gave it: what `.env` added to this process (DJANGO_DEBUG=True, say) is left out, so the
tests see what a plain `pytest` run sees. Its exit status is the command's: non-zero when a
test fails, or when a label selects no test.

Labels are Django's dotted names or pytest's own: `tickets`, `tickets.tests.test_routing`,
`tickets.tests.test_routing.test_some_case` (or `...TestClass.test_method`),
`tickets/tests/test_routing.py::test_some_case`.
"""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

TEST_SETTINGS = "config.test_settings"


def label_to_pytest(label: str, *, root: Path) -> str:
    """A Django-style dotted label as a pytest path (node id); anything else as given."""
    if not label or "/" in label or "::" in label or label.endswith(".py"):
        return label
    parts = label.split(".")
    for cut in range(len(parts), 0, -1):
        base = root.joinpath(*parts[:cut])
        rest = parts[cut:]
        if base.is_dir() and not rest:
            return base.relative_to(root).as_posix()
        module = base.with_suffix(".py")
        if module.is_file():
            return "::".join([module.relative_to(root).as_posix(), *rest])
    return label


def pytest_environment() -> dict[str, str]:
    """This process's environment without what `.env` added, pointing at the test settings."""
    from_dotenv = getattr(settings, "DOTENV_NAMES", frozenset())
    env = {name: value for name, value in os.environ.items() if name not in from_dotenv}
    env["DJANGO_SETTINGS_MODULE"] = TEST_SETTINGS
    return env


class PytestTestRunner:
    """TEST_RUNNER for `manage.py test`: the labels (and -k, --failfast, --keepdb, verbosity)
    become a pytest command line."""

    def __init__(self, verbosity=1, failfast=False, keepdb=False, pytest_k=None, **kwargs):
        self.verbosity = verbosity
        self.failfast = failfast
        self.keepdb = keepdb
        self.pytest_k = pytest_k

    @classmethod
    def add_arguments(cls, parser):
        parser.add_argument(
            "--failfast", action="store_true", help="Stop at the first failure (pytest -x)."
        )
        parser.add_argument(
            "--keepdb", action="store_true", help="Keep the test database (pytest --reuse-db)."
        )
        parser.add_argument(
            "-k",
            dest="pytest_k",
            metavar="EXPRESSION",
            help="Only the tests whose names match this pytest -k expression.",
        )

    def pytest_args(self, test_labels) -> list[str]:
        root = Path(settings.BASE_DIR)
        args = [f"--ds={TEST_SETTINGS}", "-p", "no:cacheprovider"]
        if self.verbosity == 0:
            args.append("--quiet")
        elif self.verbosity >= 2:
            args.append("-" + "v" * (self.verbosity - 1))
        if self.failfast:
            args.append("--exitfirst")
        if self.keepdb:
            args.append("--reuse-db")
        if self.pytest_k:
            args += ["-k", self.pytest_k]
        return args + [label_to_pytest(label, root=root) for label in test_labels]

    def run_tests(self, test_labels, **kwargs) -> int:
        """pytest's exit status: 0 when every selected test passed (Django's test command
        exits 1 on anything else)."""
        command = [sys.executable, "-m", "pytest", *self.pytest_args(test_labels)]
        return subprocess.run(  # noqa: S603 - our own interpreter and arguments
            command, cwd=settings.BASE_DIR, env=pytest_environment(), check=False
        ).returncode
