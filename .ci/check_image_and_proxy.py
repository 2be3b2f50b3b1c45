"""The checks of .ci/check_deploy_files.py on the image's build and on what the stack exposes:
the build context (.dockerignore), the layer order and Python version of the Dockerfile, nginx
as the only published service with its configuration present, the proxy count, DEBUG off and
Redis behind a password. Each takes the parsed files and a `problem(message)` callback."""

import re
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from config.nginx_render import TEMPLATES, template_variables  # noqa: E402 - after the path

Problem = Callable[[str], None]
# What the build context must never carry, and what it must (the Dockerfile copies it).
NEVER_IN_CONTEXT = [
    ".env",
    ".env.production",
    ".venv/bin/python",
    "var/db.sqlite3",
    "ml/artifacts/model-1.joblib",
    "staticfiles/staticfiles.json",
    ".git/HEAD",
    "bench/results/run.json",
    "tickets/__pycache__/models.cpython-311.pyc",
]
DEPENDENCY_FILES = {"pyproject.toml", "requirements.txt"}
CI_PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"
APP_STATIC_ROOT = "/app/staticfiles"  # WORKDIR /app + the default DJANGO_STATIC_ROOT


# --- .dockerignore -------------------------------------------------------------------------


def _pattern_regex(pattern: str) -> re.Pattern:
    out = ""
    i = 0
    while i < len(pattern):
        if pattern.startswith("**", i):
            out += ".*"
            i += 2
            if pattern.startswith("/", i):
                out = out[:-2] + "(?:.*/)?"
                i += 1
            continue
        char = pattern[i]
        out += {"*": "[^/]*", "?": "[^/]"}.get(char, re.escape(char))
        i += 1
    return re.compile(out)


def dockerignore_rules(text: str) -> list[tuple[bool, re.Pattern]]:
    """(excludes, regex) per line, in order: Docker's rules, the last matching line wins."""
    rules = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        pattern = line[1:] if negated else line
        pattern = pattern.strip().lstrip("/").removeprefix("./").rstrip("/")
        rules.append((not negated, _pattern_regex(pattern)))
    return rules


def ignored(rules: list[tuple[bool, re.Pattern]], path: str) -> bool:
    """Whether PATH stays out of the build context (a directory excluded takes its files)."""
    parts = path.split("/")
    prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    result = False
    for excludes, regex in rules:
        if any(regex.fullmatch(prefix) for prefix in prefixes):
            result = excludes
    return result


def check_dockerignore(copied_sources: list[str], problem: Problem) -> None:
    path = ROOT / ".dockerignore"
    if not path.exists():
        problem(".dockerignore is missing: the build context carries .env, .venv, var/ ...")
        return
    rules = dockerignore_rules(path.read_text())
    for secret in NEVER_IN_CONTEXT:
        if not ignored(rules, secret):
            problem(f".dockerignore lets {secret} into the build context")
    for source in copied_sources:
        sample = source
        if (ROOT / source).is_dir():
            sample = f"{source}/__init__.py" if (ROOT / source / "__init__.py").exists() else source
        if ignored(rules, sample):
            problem(f".dockerignore excludes {sample}, which the Dockerfile copies")


# --- Dockerfile ----------------------------------------------------------------------------


def _copy_sources(value: str) -> list[str]:
    words = [w for w in value.split() if not w.startswith("--")]
    return words[:-1]


def check_dockerfile_layers(instructions: list[dict], problem: Problem) -> list[str]:
    """Dependencies installed before the source is copied, in every stage; the Python of every
    python base image is CI's. Returns the sources copied from the build context."""
    copied: list[str] = []
    source_seen: list[str] = []
    for instruction in instructions:
        kind, value = instruction["instruction"], instruction["value"]
        if kind == "FROM":
            source_seen = []
            image = value.split()[0]
            match = re.match(r"(?:docker\.io/)?(?:library/)?python:(\d+\.\d+)", image)
            if image.split(":")[0].endswith("python"):
                if not match:
                    problem(f"Dockerfile: {image} does not pin Python's major.minor")
                elif match.group(1) != CI_PYTHON:
                    problem(
                        f"Dockerfile: {image} is Python {match.group(1)}; CI tests on {CI_PYTHON}"
                    )
        elif kind in ("COPY", "ADD") and "--from" not in value:
            sources = _copy_sources(value)
            copied += sources
            source_seen += [s for s in sources if s not in DEPENDENCY_FILES]
        elif kind == "RUN" and re.search(r"pip\d? install", value):
            installs_project = re.search(r"pip\d? install[^&;|]*\s[\"']?\.[\[\s\"']", value + " ")
            if source_seen and "--no-deps" not in value:
                problem(
                    "Dockerfile installs dependencies after copying "
                    f"{', '.join(source_seen)}: any change there reinstalls them all "
                    "(copy pyproject.toml, install the dependencies, then copy the source)"
                )
            elif installs_project and not source_seen:
                problem("Dockerfile installs the project before copying its source")
    return copied


# --- compose.yaml --------------------------------------------------------------------------


def _environment(service: dict) -> dict:
    environment = service.get("environment") or {}
    if isinstance(environment, list):
        environment = dict(item.split("=", 1) for item in environment if "=" in item)
    return environment


def _falsy_debug(value) -> bool:
    return str(value).strip() in ("False", "false", "0", "${DJANGO_DEBUG:-False}")


def check_exposure(compose: dict, env_example: dict, problem: Problem) -> None:
    services = compose.get("services") or {}
    published = sorted(name for name, service in services.items() if service.get("ports"))
    if published != ["nginx"]:
        problem(
            f"only nginx may publish a port (published: {', '.join(published) or 'none'}): "
            "gunicorn behind it, Redis and PostgreSQL private"
        )
    nginx = services.get("nginx")
    if not nginx:
        problem("compose.yaml has no nginx service in front of gunicorn")
    else:
        check_nginx(nginx, services.get("web") or {}, problem)
    web = services.get("web") or {}
    if str(_environment(web).get("DJANGO_NUM_PROXIES")) != "1":
        problem(
            "service 'web' must set DJANGO_NUM_PROXIES=1: the throttles take the client "
            "address from the X-Forwarded-For nginx sets"
        )
    for name in ("web", "worker", "beat"):
        service = services.get(name)
        if service and not _falsy_debug(_environment(service).get("DJANGO_DEBUG")):
            problem(
                f"service {name!r} must default DJANGO_DEBUG to False: ${{DJANGO_DEBUG:-False}}"
            )
    # compose reads .env (a copy of .env.example) to interpolate ${DJANGO_DEBUG:-False}.
    if not _falsy_debug(env_example.get("DJANGO_DEBUG") or "False"):
        problem(".env.example must set DJANGO_DEBUG=False: compose reads it from the .env copy")
    check_redis(services, problem)


def check_nginx(nginx: dict, web: dict, problem: Problem) -> None:
    image = str(nginx.get("image", ""))
    if not re.fullmatch(r"nginx:\d+\.\d+\.\d+[\w.-]*", image):
        problem(f"service 'nginx' must run the official image at a pinned version, not {image!r}")
    environment = _environment(nginx)
    if environment.get("NGINX_ENVSUBST_FILTER") != "NGINX_":
        problem("service 'nginx' must set NGINX_ENVSUBST_FILTER=NGINX_ (leave $host etc. alone)")
    for name in sorted(template_variables() - environment.keys()):
        problem(f"service 'nginx' does not set {name}, which its configuration uses")
    if "DJANGO_MAX_REQUEST_BYTES" not in str(environment.get("NGINX_MAX_BODY_BYTES")):
        problem("NGINX_MAX_BODY_BYTES must come from DJANGO_MAX_REQUEST_BYTES (one limit)")
    if not str(environment.get("NGINX_UPSTREAM", "")).startswith("web:"):
        problem("service 'nginx' must proxy to web (NGINX_UPSTREAM=web:8000)")
    mounts = [str(volume).split(":") for volume in nginx.get("volumes", [])]
    configs = [m for m in mounts if m[0].startswith("./") and len(m) > 1 and "nginx" in m[1]]
    if not configs:
        problem("service 'nginx' mounts no configuration from the repository")
    for source, *_ in configs:
        if not (ROOT / source).exists():
            problem(f"service 'nginx' mounts {source}, which does not exist")
    if not any(
        (ROOT / source).resolve() == TEMPLATES and target == "/etc/nginx/templates"
        for source, target, *_ in configs
    ):
        problem("service 'nginx' must mount ./config/nginx/templates at /etc/nginx/templates")
    static_volumes = {
        m[0] for m in mounts if len(m) > 1 and m[1] == environment.get("NGINX_STATIC_ROOT")
    }
    web_static = {
        str(v).split(":")[0]
        for v in web.get("volumes", [])
        if str(v).split(":")[1:2] == [APP_STATIC_ROOT]
    }
    if not static_volumes & web_static:
        problem(
            f"nginx must serve NGINX_STATIC_ROOT from the volume web mounts at {APP_STATIC_ROOT}"
        )
    command = str(web.get("command", ""))
    if "collectstatic" not in command or command.find("collectstatic") > command.find("gunicorn"):
        problem("service 'web' must run collectstatic (into the shared volume) before gunicorn")


def check_redis(services: dict, problem: Problem) -> None:
    redis = services.get("redis") or {}
    command = " ".join(map(str, redis.get("command") or []))
    if isinstance(redis.get("command"), str):
        command = redis["command"]
    password = str(_environment(redis).get("REDIS_PASSWORD", ""))
    if "--requirepass" not in command or not (
        "${REDIS_PASSWORD:?" in password or "${REDIS_PASSWORD:?" in command
    ):
        problem("redis must require a password: --requirepass ${REDIS_PASSWORD:?...}")
    if "REDIS_PASSWORD" not in str(redis.get("healthcheck", {}).get("test")):
        problem("redis's healthcheck must authenticate (REDISCLI_AUTH=$$REDIS_PASSWORD)")
    for name in ("web", "worker", "beat"):
        environment = _environment(services.get(name) or {})
        for variable in ("REDIS_URL", "CELERY_BROKER_URL"):
            if ":${REDIS_PASSWORD}@" not in str(environment.get(variable, "")):
                problem(
                    f"service {name!r}: {variable} must carry the password (redis://:${{REDIS_PASSWORD}}@redis...)"
                )
