"""Checks of compose.yaml, the Dockerfile and .env.example that need no Docker engine.

    python .ci/check_deploy_files.py               # check; exit 1 listing every problem
    python .ci/check_deploy_files.py --command web # print that service's command, to run it

hadolint (run by .ci/deploy_stack.sh) lints the Dockerfile's style; this checks what the
stack relies on: the services and their commands, healthchecks, start-up order, the
non-root user, and that every variable used is documented in .env.example; and
(.ci/check_image_and_proxy.py) the build context, the image's layers and Python version, and
what the stack exposes: nginx alone published, its configuration, the proxy count, DEBUG off,
Redis behind a password.
"""

import re
import sys
from pathlib import Path

import yaml
from check_image_and_proxy import (
    check_dockerfile_layers,
    check_dockerignore,
    check_exposure,
)
from dockerfile_parse import DockerfileParser

ROOT = Path(__file__).resolve().parent.parent
SEED_VARIABLES = {
    "DJANGO_SECRET_KEY",
    "DJANGO_DEBUG",
    "DJANGO_ALLOWED_HOSTS",
    "POSTGRES_DB",
    "POSTGRES_USER",
    "POSTGRES_PASSWORD",
    "DATABASE_URL",
}
APP_SERVICES = {
    "web": "gunicorn -c config/gunicorn.py config.wsgi",
    "worker": "celery -A config worker",
    "beat": "celery -A config beat",
}
# ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error}; $$ escapes a dollar.
INTERPOLATION = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}")

problems: list[str] = []


def problem(message: str) -> None:
    problems.append(message)


def env_example() -> tuple[dict[str, str | None], dict[str, bool]]:
    """Variables of .env.example: value (None when only shown commented out), and whether a
    comment line sits right above."""
    values: dict[str, str | None] = {}
    commented: dict[str, bool] = {}
    previous = ""
    for line in (ROOT / ".env.example").read_text().splitlines():
        match = re.fullmatch(r"(#\s*)?([A-Z][A-Z0-9_]*)=(.*)", line.strip())
        if match:
            name = match.group(2)
            values.setdefault(name, None if match.group(1) else match.group(3))
            if match.group(1) is None:
                values[name] = match.group(3)
            commented.setdefault(name, previous.startswith("#"))
        previous = line.strip()
    return values, commented


def variables_read_by_the_app() -> set[str]:
    settings = (ROOT / "config" / "settings.py").read_text()
    gunicorn = (ROOT / "config" / "gunicorn.py").read_text()
    return set(re.findall(r"env(?:\.\w+)?\(\s*\"([A-Z][A-Z0-9_]*)\"", settings)) | set(
        re.findall(r"os\.environ\.get\(\"([A-Z][A-Z0-9_]*)\"", gunicorn)
    )


def check_env_example(compose_text: str) -> None:
    values, commented = env_example()
    for name in sorted(SEED_VARIABLES - values.keys()):
        problem(f".env.example lacks the seed's variable {name}")
    for name in sorted(variables_read_by_the_app() - values.keys()):
        problem(f".env.example lacks {name}, which the app reads")
    for name, has_comment in sorted(commented.items()):
        if not has_comment:
            problem(f".env.example: {name} has no comment line above it")
    # A variable compose requires (${X:?...}) may be listed empty, as secrets are: compose
    # then refuses to start until the operator sets it, which is the point.
    for name, _operator, _rest in INTERPOLATION.findall(compose_text):
        if name not in values:
            problem(f"compose.yaml uses ${{{name}}}, which .env.example does not define")


def healthcheck_of(service: dict) -> list | str | None:
    check = service.get("healthcheck") or {}
    if check.get("disable"):
        return None
    return check.get("test")


def command_text(service: dict) -> str:
    command = service.get("command", "")
    return " ".join(command) if isinstance(command, list) else str(command)


def check_compose(compose: dict) -> None:
    services = compose.get("services") or {}
    for name in ("db", "redis", *APP_SERVICES):
        if name not in services:
            problem(f"compose.yaml has no service {name!r}")
    for name, service in services.items():
        test = healthcheck_of(service)
        if not test or test == ["NONE"]:
            problem(f"service {name!r} has no healthcheck")
        depends = service.get("depends_on") or {}
        if isinstance(depends, list):
            problem(f"service {name!r}: depends_on without conditions starts it too early")
            continue
        for other, rule in depends.items():
            if other not in services:
                problem(f"service {name!r} depends on unknown service {other!r}")
            elif (rule or {}).get("condition") != "service_healthy":
                problem(f"service {name!r} must wait for {other!r} to be service_healthy")
            elif not healthcheck_of(services[other]):
                problem(f"service {name!r} waits for {other!r}, which has no healthcheck")
    app_builds = set()
    for name, expected in APP_SERVICES.items():
        service = services.get(name)
        if not service:
            continue
        if expected not in command_text(service):
            problem(f"service {name!r} must run `{expected}`")
        if service.get("env_file") not in (".env", [".env"]):
            problem(f"service {name!r} must be configured from .env (env_file)")
        environment = service.get("environment") or {}
        for variable in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"):
            if variable not in environment:
                problem(f"service {name!r} does not set {variable}")
        app_builds.add(repr(service.get("build")))
        # The image's HEALTHCHECK probes the web port: others must say how they are probed.
        if name != "web" and "8000" in str(healthcheck_of(service)):
            problem(f"service {name!r} serves no HTTP; its healthcheck must not probe :8000")
    if len(app_builds) > 1:
        problem("web, worker and beat must run the same image")
    web = services.get("web", {})
    if "migrate" not in command_text(web):
        problem("service 'web' must apply migrations before serving")
    declared = set((compose.get("volumes") or {}).keys())
    for name, service in services.items():
        for volume in service.get("volumes", []):
            source = str(volume).split(":", 1)[0]
            if not source.startswith((".", "/")) and source not in declared:
                problem(f"service {name!r} mounts undeclared volume {source!r}")


def check_dockerfile() -> None:
    parser = DockerfileParser(path=str(ROOT / "Dockerfile"))
    instructions = parser.structure
    stages = [i for i in instructions if i["instruction"] == "FROM"]
    if len(stages) < 2:
        problem("Dockerfile must be multi-stage (a build stage and a runtime stage)")
    final_start = instructions.index(stages[-1]) if stages else 0
    final = instructions[final_start:]
    users = [i["value"].split(":")[0].strip() for i in final if i["instruction"] == "USER"]
    if not users or users[-1] in ("root", "0"):
        problem("Dockerfile's runtime stage must switch to a non-root USER")
    checks = [i["value"] for i in final if i["instruction"] == "HEALTHCHECK"]
    if not checks or checks[-1].strip().upper() == "NONE" or "/healthz" not in checks[-1]:
        problem("Dockerfile's runtime stage needs a HEALTHCHECK on /healthz")
    commands = [i["value"] for i in final if i["instruction"] == "CMD"]
    if not commands or "gunicorn" not in commands[-1]:
        problem("Dockerfile must start gunicorn by default")
    if not any("collectstatic" in i["value"] for i in final if i["instruction"] == "RUN"):
        problem("Dockerfile must collect static files for whitenoise")
    if any(i["instruction"] == "ADD" and "://" in i["value"] for i in instructions):
        problem("Dockerfile must not ADD remote URLs")
    check_dockerignore(check_dockerfile_layers(instructions, problem), problem)


def main(argv: list[str]) -> int:
    compose_text = (ROOT / "compose.yaml").read_text()
    compose = yaml.safe_load(compose_text)
    if argv[:1] == ["--command"]:
        service = compose["services"][argv[1]]
        print(command_text(service))
        return 0
    check_compose(compose)
    check_env_example(compose_text)
    check_exposure(compose, env_example()[0], problem)
    check_dockerfile()
    for message in problems:
        print(f"FAIL: {message}")
    if problems:
        return 1
    print(
        f"ok: compose.yaml ({', '.join(compose['services'])}), Dockerfile and .env.example "
        "are consistent"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
