"""The deployment's secrets: one registry, one check, and the writer of a local `.env`.

config/settings.py reads every secret listed in SECRETS and refuses to load (so every process
that loads settings refuses to start: gunicorn, every `manage.py` command, Celery worker and
beat) when one is missing, a known placeholder (in any mode) or short (with DJANGO_DEBUG off).
config/checks.py runs the same check on the settings actually in force (config.E003).

A secret added later (an inbound-mail secret, a webhook secret) is one line in SECRETS, plus
reading it in config/settings.py; `make setup` then writes a random one to `.env` too.

`make setup` writes `.env` with it (`python -m config.secrets .env`); it imports no Django, so
settings can import it first thing.
"""

import os
import re
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path

MIN_LENGTH = 32
# Values everyone knows: the markers of .env.example and of old releases, Django's own
# "django-insecure-" prefix (and this project's old built-in default, which had it), and the
# Dockerfile's old build-time key. Matched case-insensitively, anywhere in the value.
PLACEHOLDER_MARKERS = (
    "change-me",
    "changeme",
    "change_me",
    "replace-me",
    "placeholder",
    "django-insecure",
    "not-a-real-secret",
)
HOW_TO_MAKE_ONE = (
    'python -c "import secrets; print(secrets.token_urlsafe(50))"'
    " (or run `make setup`, which writes a fresh random key to .env for every secret that is "
    "missing or a placeholder there, and keeps the others)"
)


@dataclass(frozen=True)
class Secret:
    variable: str  # the environment variable (and .env line)
    setting: str  # where settings keep it: "NAME" or "DICT.KEY"
    purpose: str  # what a leaked or guessed value lets an attacker do
    required: bool = True  # False: unset switches its feature off; a set value is still checked


SECRETS = (
    Secret("DJANGO_SECRET_KEY", "SECRET_KEY", "signs sessions, CSRF tokens and reset links"),
    Secret(
        "JWT_SIGNING_KEY",
        "SIMPLE_JWT.SIGNING_KEY",
        "signs API tokens: whoever knows it can act as any user",
    ),
    Secret(
        "ML_SIGNING_KEY",
        "ML_SIGNING_KEY",
        "signs model artefacts: whoever knows it can make every worker run their code",
    ),
    # Optional: unset, the HTTP door for inbound mail (POST /api/mail/inbound/) is closed.
    Secret(
        "MAIL_INBOUND_SECRET",
        "MAIL_INBOUND_SECRET",
        "lets a mail provider post mail: whoever knows it can open tickets and reply as anyone "
        "whose reply token they hold",
        required=False,
    ),
)


def secret_problem(secret: Secret, value: str | None, *, debug: bool) -> str | None:
    """Why ``value`` cannot serve as ``secret`` (None: it can)."""
    value = value.decode(errors="replace") if isinstance(value, bytes) else str(value or "")
    value = value.strip()
    if not value:
        return "is not set" if secret.required else None
    lowered = value.lower()
    if any(marker in lowered for marker in PLACEHOLDER_MARKERS):
        return "is a known placeholder value, so anyone can use it"
    if not debug and len(value) < MIN_LENGTH:
        return f"is shorter than {MIN_LENGTH} characters (refused with DJANGO_DEBUG off)"
    return None


def secrets_problems(values: dict[str, str | None], *, debug: bool) -> list[str]:
    """One line per unusable secret, naming its variable (never its value)."""
    problems = []
    for secret in SECRETS:
        problem = secret_problem(secret, values.get(secret.variable), debug=debug)
        if problem:
            problems.append(f"{secret.variable} {problem} ({secret.purpose}).")
    return problems


def secrets_refusal(problems: list[str]) -> str:
    """The message a process stops with."""
    lines = "\n".join(f"  - {problem}" for problem in problems)
    return (
        f"Refusing to start: unusable secret(s) in the environment or .env:\n{lines}\n"
        f"Give each its own random value of {MIN_LENGTH}+ characters, e.g. {HOW_TO_MAKE_ONE}."
    )


# -- `make setup`: a local .env with fresh keys -------------------------------------------

_LINE = re.compile(r"^([A-Z][A-Z0-9_]*)=(.*)$")


def env_file_fill(env_path: Path, example_path: Path) -> list[str]:
    """Create ``env_path`` from ``example_path`` when it does not exist; then give every
    secret that is missing, empty or a placeholder there a fresh random value (a required
    one is appended when absent). Other lines are kept as they are. Returns the variables
    given a new value."""
    exists = env_path.exists()
    lines = (env_path if exists else example_path).read_text().splitlines()
    filled: list[str] = []
    seen: set[str] = set()
    by_name = {secret.variable: secret for secret in SECRETS}
    for index, line in enumerate(lines):
        match = _LINE.match(line.strip())
        if not match or match[1] not in by_name:
            continue
        secret, value = by_name[match[1]], match[2].strip().strip("'\"")
        seen.add(secret.variable)
        if not value and not secret.required:
            continue
        if secret_problem(secret, value, debug=True) is not None:
            lines[index] = f"{secret.variable}={secrets.token_urlsafe(50)}"
            filled.append(secret.variable)
    for secret in SECRETS:
        if secret.required and secret.variable not in seen:
            lines += [
                f"# Secret that {secret.purpose}.",
                f"{secret.variable}={secrets.token_urlsafe(50)}",
            ]
            filled.append(secret.variable)
    if filled or not exists:
        # Readable by its owner only: it holds the keys.
        fd = os.open(env_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write("\n".join(lines) + "\n")
    return filled


def main(argv: list[str]) -> int:
    env_path = Path(argv[0]) if argv else Path(".env")
    example_path = Path(argv[1]) if len(argv) > 1 else env_path.with_name(".env.example")
    created = not env_path.exists()
    filled = env_file_fill(env_path, example_path)
    action = f"created {env_path} from {example_path}" if created else f"kept {env_path}"
    news = f"; fresh random {', '.join(filled)}" if filled else "; every secret already set"
    print(action + news)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
