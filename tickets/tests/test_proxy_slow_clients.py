"""gunicorn behind nginx, started as compose.yaml starts them: a few clients sending their
bodies a byte at a time starve gunicorn's sync workers when they reach it directly, and cost
nothing through nginx, which reads each request whole first.

gunicorn runs the project's config/gunicorn.py with 2 sync workers and production settings;
nginx runs Debian's binary with the repository's own configuration (config/nginx/templates,
rendered by config.nginx_render for the addresses and paths of this test, as the official
image's entrypoint renders it for compose). Needs `apt-get install -y nginx`: without it the
tests skip, saying so, unless REQUIRE_PROXY_TESTS is set (CI sets it): then they fail.
"""

import json
import os
import secrets
import shutil
import socket
import sys
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest
import redis
from django.conf import settings

from config.nginx_render import write_config
from config.tests.static_root import collected_static_root
from tickets.tests.processes import REDIS_URL, Process, free_port

NGINX = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")
WORKERS = 2
CLIENT_RATE = 3  # token requests a minute per client address, for the X-Forwarded-For test


def require_nginx() -> str:
    if NGINX is None:
        # A newcomer's `make test` runs without nginx; CI (.ci/run) installs it and sets
        # REQUIRE_PROXY_TESTS, so there its absence fails instead.
        missing = "nginx is missing: `apt-get install -y nginx` (Debian's nginx)."
        if os.environ.get("REQUIRE_PROXY_TESTS"):
            pytest.fail(missing)
        pytest.skip(missing)
    return NGINX


def status_of(port: int, path: str, *, timeout: float, headers=None, body=None) -> int:
    request = urllib.request.Request(  # noqa: S310 - loopback http only
        f"http://127.0.0.1:{port}{path}",
        data=body,
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def wait_for(port: int, path: str, process: Process, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.popen.poll() is None, f"{process.name} exited:\n{process.log()}"
        with suppress(OSError):
            if status_of(port, path, timeout=2) == 200:
                return
        time.sleep(0.2)
    raise AssertionError(f"{process.name} did not answer {path} in {timeout}s:\n{process.log()}")


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """gunicorn (2 sync workers) and nginx in front of it; yields their ports."""
    nginx = require_nginx()
    directory = tmp_path_factory.mktemp("proxy")
    static_root = collected_static_root()
    app_port, proxy_port = free_port(), free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "False",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "JWT_SIGNING_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_STATIC_ROOT": str(static_root),
        # /healthz and the throttles need no table: an empty database will do.
        "DATABASE_URL": f"sqlite:///{directory / 'empty.sqlite3'}",
        "REDIS_URL": REDIS_URL,
        "CELERY_BROKER_URL": "",
        "DJANGO_NUM_PROXIES": "1",  # as compose.yaml sets it for web
        "THROTTLE_TOKEN_CLIENT_RATE": f"{CLIENT_RATE}/min",
        "THROTTLE_TOKEN_USERNAME_RATE": "1000/min",
        "ML_ARTIFACT_DIR": str(directory / "ml"),
        "GUNICORN_BIND": f"127.0.0.1:{app_port}",
        "GUNICORN_WORKERS": str(WORKERS),
        "GUNICORN_THREADS": "1",
        "XDG_RUNTIME_DIR": str(directory),  # gunicorn's control socket, not another server's
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("DJANGO_LOG_LEVEL", None)
    config = write_config(
        directory / "nginx",
        port=proxy_port,
        upstream=f"127.0.0.1:{app_port}",
        static_root=static_root,
        max_body_bytes=settings.DATA_UPLOAD_MAX_MEMORY_SIZE,
    )
    started = []
    try:
        app = Process(
            "gunicorn",
            [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py", "config.wsgi"],
            env,
            directory,
        )
        started.append(app)
        proxy = Process(
            "nginx",
            [nginx, "-p", str(config.parent), "-e", str(config.parent / "error.log")]
            + ["-c", str(config), "-g", "daemon off;"],
            env,
            directory,
        )
        started.append(proxy)
        wait_for(app_port, "/healthz", app)
        wait_for(proxy_port, "/nginx-healthz", proxy)
        yield {"app": app_port, "proxy": proxy_port, "static_root": static_root}
    finally:
        for process in reversed(started):
            process.stop()


@pytest.fixture
def empty_cache():
    """The throttles' counters, shared by both workers: this suite's Redis database, empty."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.flushdb()
    except redis.ConnectionError as error:
        missing = f"Redis at {REDIS_URL} is unreachable ({error}): `redis-server` first."
        if os.environ.get("REQUIRE_PROXY_TESTS"):
            pytest.fail(missing)
        pytest.skip(missing)
    yield
    client.flushdb()


@contextmanager
def slow_bodies(port: int, count: int):
    """COUNT connections each posting a JSON body a byte every 0.2 s (never finished); yields
    the sockets, open, and closes them on leaving."""
    stop = threading.Event()
    sockets = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(count)]
    head = (
        b"POST /api/token/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/json\r\nContent-Length: 4096\r\n\r\n"
    )

    def trickle(sock: socket.socket) -> None:
        with suppress(OSError):
            sock.sendall(head)
            while not stop.wait(0.2):
                sock.sendall(b" ")

    threads = [threading.Thread(target=trickle, args=(s,), daemon=True) for s in sockets]
    for thread in threads:
        thread.start()
    try:
        time.sleep(1.0)  # every connection has reached whoever reads it
        yield sockets
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=5)
        for sock in sockets:
            sock.close()


def healthz_seconds(port: int, timeout: float = 3.0) -> float | None:
    """Seconds /healthz took to answer 200, or None if it did not answer within TIMEOUT."""
    started = time.monotonic()
    try:
        status = status_of(port, "/healthz", timeout=timeout)
    except OSError:  # timed out
        return None
    assert status == 200
    return time.monotonic() - started


def still_open(sock: socket.socket) -> bool:
    """Nobody has answered or closed the connection yet: its body is still being read."""
    sock.setblocking(False)
    try:
        sock.recv(1, socket.MSG_PEEK)  # an answer, or b"" once closed
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        sock.setblocking(True)
    return False


def test_slow_bodies_starve_gunicorn_directly_but_not_through_nginx(stack, empty_cache):
    # Through nginx: five times as many slow clients as workers, and /healthz still answers.
    with slow_bodies(stack["proxy"], 5 * WORKERS) as attackers:
        through_proxy = healthz_seconds(stack["proxy"])
        assert all(still_open(s) for s in attackers)  # nginx still reading them
    # Straight at gunicorn: one slow client per worker, and /healthz gets no answer.
    with slow_bodies(stack["app"], WORKERS):
        direct = healthz_seconds(stack["app"])
    assert through_proxy is not None and through_proxy < 1.0, through_proxy
    assert direct is None, f"gunicorn answered in {direct:.2f}s while its workers were held"
    # Freed as soon as the slow clients go away.
    assert healthz_seconds(stack["app"], timeout=10) is not None


def test_the_client_address_is_the_one_nginx_saw_not_the_one_it_claims(stack, empty_cache):
    """DJANGO_NUM_PROXIES=1 takes the last X-Forwarded-For address, the one nginx appends: a
    client naming itself anew in each request is still one client to the throttles. Straight
    at gunicorn the same header would be believed (why compose publishes nginx only)."""

    def token_request(port: int, n: int) -> int:
        forged = {"X-Forwarded-For": f"203.0.113.{n}"}
        return status_of(port, "/api/token/", timeout=10, headers=forged, body=b"{}")

    through_proxy = [token_request(stack["proxy"], n) for n in range(CLIENT_RATE + 1)]
    assert through_proxy == [400] * CLIENT_RATE + [429]
    direct = [token_request(stack["app"], 100 + n) for n in range(CLIENT_RATE + 1)]
    assert direct == [400] * (CLIENT_RATE + 1)


def test_nginx_serves_the_collected_static_files(stack):
    manifest = json.loads((Path(stack["static_root"]) / "staticfiles.json").read_text())
    hashed = manifest["paths"]["dashboard/dashboard.css"]
    request = urllib.request.Request(  # noqa: S310 - loopback http only
        f"http://127.0.0.1:{stack['proxy']}/static/{hashed}",
        headers={"Accept-Encoding": "gzip"},
    )
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
        assert response.headers["Server"] == "nginx"  # not whitenoise behind it
        assert response.headers["Content-Encoding"] == "gzip"
        assert "immutable" in response.headers["Cache-Control"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_body_over_the_limit_is_refused_by_nginx_as_json(stack):
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    request = urllib.request.Request(  # noqa: S310 - loopback http only
        f"http://127.0.0.1:{stack['proxy']}/api/token/",
        data=b" " * (limit + 1),
        headers={"Content-Type": "application/json"},
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)  # noqa: S310
    assert refused.value.code == 413
    assert refused.value.headers["Content-Type"] == "application/json"
    assert str(limit) in json.loads(refused.value.read())["detail"]
