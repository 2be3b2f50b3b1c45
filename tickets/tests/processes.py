"""Real app and worker processes for the deployment tests: gunicorn and `celery -A config
worker`, started the way the containers start them, on the test database and this suite's
own Redis database."""

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import suppress
from pathlib import Path

from django.conf import settings
from django.db import connection

from config.tests.static_root import collected_static_root

# This suite's own Redis database number (other suites on the machine use others).
REDIS_URL = os.environ.get("TEST_DEPLOY_REDIS_URL", "redis://127.0.0.1:6379/5")
# Ports this suite may bind.
PORTS = range(8200, 8300)
# Shared by every process of one test run, as a deployment shares its secrets.
SECRET_KEY = secrets.token_urlsafe(50)
JWT_SIGNING_KEY = secrets.token_urlsafe(50)


def database_url() -> str:
    db = connection.settings_dict
    user = db["USER"] or "postgres"
    if db["PASSWORD"]:
        user = f"{user}:{db['PASSWORD']}"
    return f"postgres://{user}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


# Ports given to servers still running: a server binds its port only once started, so a probe
# alone could hand the same free port to the next server too (the two then share it).
_given: set[int] = set()


def free_port() -> int:
    start = secrets.randbelow(len(PORTS))
    for offset in range(len(PORTS)):
        port = PORTS[(start + offset) % len(PORTS)]
        if port in _given:
            continue
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        _given.add(port)
        return port
    raise RuntimeError("no free port in 8200-8299")


def production_env(*, artifact_dir: Path, broker_url: str = "", **extra: str) -> dict:
    """Production settings (DEBUG off, real secrets) on the test database and shared Redis."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "False",
        "DJANGO_SECRET_KEY": SECRET_KEY,
        "JWT_SIGNING_KEY": JWT_SIGNING_KEY,
        # This test process's key: what one process trains and signs, the others verify.
        "ML_SIGNING_KEY": settings.ML_SIGNING_KEY,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": database_url(),
        "REDIS_URL": REDIS_URL,
        "CELERY_BROKER_URL": broker_url,
        "ML_ARTIFACT_DIR": str(artifact_dir),
        "DJANGO_STATIC_ROOT": str(collected_static_root()),
        # The model decides whatever its confidence, so its version shows on every ticket.
        "ML_CONFIDENCE_THRESHOLD": "0",
        "PYTHONUNBUFFERED": "1",
        **extra,
    }
    env.pop("DJANGO_LOG_LEVEL", None)
    return env


class Process:
    """A child process with its output in a log file; stopped by its own id."""

    def __init__(self, name: str, args: list[str], env: dict, log_dir: Path):
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.popen = subprocess.Popen(  # noqa: S603 - our own interpreter and modules
            args,
            cwd=settings.BASE_DIR,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-6000:]

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=10)
        self._log.close()


class Server(Process):
    """`gunicorn -c config/gunicorn.py config.wsgi`, the web container's command."""

    def __init__(self, name: str, env: dict, log_dir: Path, workers: int = 1):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {
            **env,
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "GUNICORN_WORKERS": str(workers),
        }
        super().__init__(
            name,
            [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py", "config.wsgi"],
            env,
            log_dir,
        )
        self.token = ""

    def stop(self) -> None:
        super().stop()
        _given.discard(self.port)

    def wait_ready(self, timeout: float = 60) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.popen.poll() is None, f"{self.name} exited:\n{self.log()}"
            with suppress(OSError):
                status, body = self.request("GET", "/readyz")
                if status == 200:
                    return body
            time.sleep(0.3)
        raise AssertionError(f"{self.name} not ready in {timeout}s:\n{self.log()}")

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(  # noqa: S310 - loopback http only
            self.base + path, data=data, method=method, headers=headers
        )
        try:
            with urllib.request.urlopen(request, timeout=180) as response:  # noqa: S310
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    def login(self, username: str, password: str) -> None:
        status, body = self.request(
            "POST", "/api/token/", {"username": username, "password": password}
        )
        assert status == 200, (status, body)
        self.token = body["access"]


class Worker(Process):
    """`celery -A config worker`, the worker container's command."""

    def __init__(self, name: str, env: dict, log_dir: Path):
        super().__init__(
            name,
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--loglevel",
                "INFO",
                "--concurrency",
                "1",
                "--hostname",
                f"{name}-{os.getpid()}@%h",
            ],
            env,
            log_dir,
        )
