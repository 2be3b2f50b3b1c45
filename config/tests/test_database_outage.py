"""A lost database: every endpoint answers 503 JSON with Retry-After (never an HTML error
page), /healthz stays up, /readyz says not ready, and service resumes by itself.

In process first (any database), then against real gunicorn servers: one whose database is
a closed port, and one whose PostgreSQL database is taken away (connections refused and the
open ones terminated) and given back, without touching the PostgreSQL server others use.
"""

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from unittest import mock

import jwt
import pytest
from django.db import OperationalError, connection
from django.test import RequestFactory

from config.tests.static_root import collected_static_root
from config.views import json_server_error
from tickets.tests.factories import StaffFactory, TicketFactory

ROOT = Path(__file__).resolve().parents[2]
SECRET = secrets.token_urlsafe(50)
JWT_KEY = secrets.token_urlsafe(50)


@contextmanager
def database_down():
    """Every new query fails as it would with the server gone."""
    lost = OperationalError("connection to server at 127.0.0.1 failed: Connection refused")
    with mock.patch.object(connection, "ensure_connection", side_effect=lost):
        yield


def assert_503_json(response):
    assert response.status_code == 503, (response.status_code, response.content[:200])
    assert response["Content-Type"].startswith("application/json")
    assert response["Retry-After"] == "5"
    assert "database" in response.json()["detail"].lower()


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [False, True])
def test_lost_database_is_a_503_json_everywhere_and_service_resumes(client, settings, debug):
    settings.DEBUG = debug
    staff = StaffFactory(username="boss", is_superuser=True)
    TicketFactory()
    access = client.post(
        "/api/token/", {"username": "boss", "password": "pass-1234-word"}, "application/json"
    ).json()["access"]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {access}"}
    client.force_login(staff)  # a session too, for the admin and the dashboard

    with database_down():
        assert_503_json(client.get("/api/tickets/", **auth))
        assert_503_json(client.post("/api/tickets/", {"title": "x"}, "application/json", **auth))
        assert_503_json(client.get("/api/agents/", **auth))
        assert_503_json(
            client.post("/api/token/", {"username": "boss", "password": "x"}, "application/json")
        )
        assert_503_json(client.get("/admin/tickets/ticket/"))
        assert_503_json(client.get("/dashboard/"))
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json() == {"status": "unavailable", "database": "unreachable"}
        assert "refused" not in ready.content.decode()  # no internals to a public probe
        assert client.get("/healthz").status_code == 200

    assert client.get("/api/tickets/", **auth).status_code == 200
    assert client.get("/readyz").json()["status"] == "ok"
    assert client.get("/admin/tickets/ticket/").status_code == 200


def test_a_lost_database_raised_outside_any_view_is_a_503_json_too():
    request = RequestFactory().get("/admin/")
    try:
        raise OperationalError("server closed the connection unexpectedly")
    except OperationalError:
        response = json_server_error(request)

    assert response.status_code == 503
    assert json.loads(response.content)["detail"].startswith("The database is unavailable")


def test_other_server_errors_stay_500():
    request = RequestFactory().get("/api/tickets/")
    try:
        raise RuntimeError("bug")
    except RuntimeError:
        response = json_server_error(request)

    assert response.status_code == 500


# Real servers


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http(method: str, url: str, body=None, token: str | None = None):
    """(status, headers, parsed JSON body) without raising on 4xx/5xx."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)  # noqa: S310 - local server
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310
            return response.status, response.headers, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        raw = error.read()
        assert error.headers.get("Content-Type", "").startswith("application/json"), raw[:200]
        return error.code, error.headers, json.loads(raw)


def server_env(database_url: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "JWT_"))}
    env.update(
        DJANGO_DEBUG="False",
        DJANGO_SECRET_KEY=SECRET,
        JWT_SIGNING_KEY=JWT_KEY,
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=database_url,
        DATABASE_CONN_MAX_AGE="60",  # persistent connections: the killed ones must be replaced
        DATABASE_CONNECT_TIMEOUT="3",
        REDIS_URL="",
        GUNICORN_WORKERS="2",
        GUNICORN_THREADS="2",
        GUNICORN_ACCESSLOG="-",
        DJANGO_STATIC_ROOT=str(collected_static_root()),
    )
    return env


@contextmanager
def gunicorn(database_url: str, tmp_path: Path):
    port = free_port()
    # XDG_RUNTIME_DIR: gunicorn's control socket (25.1+) there, not shared with other servers.
    env = server_env(database_url) | {
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "XDG_RUNTIME_DIR": str(tmp_path),
    }
    log = (tmp_path / "gunicorn.log").open("w")
    process = subprocess.Popen(  # noqa: S603 - our interpreter, our server
        [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py", "config.wsgi"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, (tmp_path / "gunicorn.log").read_text()[-2000:]
            try:
                if http("GET", f"{base}/healthz")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def minted_access_token(user_id: int = 1) -> str:
    """An access token as the server would sign it (its database may be gone)."""
    now = datetime.now(UTC)
    claims = {
        "token_type": "access",
        "exp": int((now + timedelta(minutes=5)).timestamp()),
        "iat": int(now.timestamp()),
        "jti": secrets.token_hex(16),
        "user_id": str(user_id),
    }
    return jwt.encode(claims, JWT_KEY, algorithm="HS256")


def test_a_server_whose_database_is_a_closed_port_answers_503_json(tmp_path):
    closed = free_port()  # bound then released: nothing listens there
    with gunicorn(f"postgres://nobody:x@127.0.0.1:{closed}/nothing", tmp_path) as base:
        status, headers, body = http("GET", f"{base}/api/tickets/", token=minted_access_token())
        assert status == 503
        assert headers["Retry-After"] == "5"
        assert "database" in body["detail"].lower()

        status, _, body = http("POST", f"{base}/api/token/", {"username": "a", "password": "b"})
        assert status == 503

        status, _, body = http("GET", f"{base}/readyz")
        assert (status, body) == (503, {"status": "unavailable", "database": "unreachable"})
        assert http("GET", f"{base}/healthz")[0] == 200


@pytest.fixture
def throwaway_postgres():
    """A fresh, migrated PostgreSQL database with one staff user; dropped afterwards."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    import psycopg

    params = connection.settings_dict
    name = f"outage_{os.getpid()}_{secrets.token_hex(3)}"
    admin = psycopg.connect(
        dbname="postgres",
        user=params["USER"],
        password=params["PASSWORD"] or None,
        host=params["HOST"] or "127.0.0.1",
        port=params["PORT"] or 5432,
        autocommit=True,
    )
    auth = params["USER"] + (f":{params['PASSWORD']}" if params["PASSWORD"] else "")
    url = f"postgres://{auth}@{params['HOST'] or '127.0.0.1'}:{params['PORT'] or 5432}/{name}"
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        env = server_env(url) | {"DJANGO_SUPERUSER_PASSWORD": "probe-pass-1234"}
        for command in (
            ["migrate", "--noinput"],
            ["createsuperuser", "--noinput", "--username", "probe", "--email", "p@example.com"],
        ):
            subprocess.run(  # noqa: S603
                [sys.executable, "manage.py", *command],
                cwd=ROOT,
                env=env,
                check=True,
                capture_output=True,
                timeout=300,
            )
        yield url, name, admin
    finally:
        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.mark.postgres
def test_service_survives_its_database_going_away_and_resumes_alone(throwaway_postgres, tmp_path):
    url, name, admin = throwaway_postgres

    def take_database_away():
        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
            [name],
        )

    with gunicorn(url, tmp_path) as base:
        status, _, tokens = http(
            "POST", f"{base}/api/token/", {"username": "probe", "password": "probe-pass-1234"}
        )
        assert status == 200
        token = tokens["access"]
        for _ in range(4):  # every worker and thread holds a connection to lose
            assert http("GET", f"{base}/api/tickets/", token=token)[0] == 200
        assert http("GET", f"{base}/readyz")[2]["database"] == "ok"

        take_database_away()

        for _ in range(4):
            status, headers, body = http("GET", f"{base}/api/tickets/", token=token)
            assert status == 503, body
            assert headers["Retry-After"] == "5"
        status, _, body = http(
            "POST", f"{base}/api/tickets/", {"title": "t", "description": "d"}, token=token
        )
        assert status == 503
        assert http("GET", f"{base}/readyz")[0] == 503
        assert http("GET", f"{base}/healthz")[0] == 200

        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')

        deadline = time.monotonic() + 10
        answers = []
        while time.monotonic() < deadline:
            answers = [http("GET", f"{base}/api/tickets/", token=token)[0] for _ in range(4)]
            if answers == [200] * 4:
                break
            time.sleep(0.5)
        assert answers == [200] * 4
        assert http("GET", f"{base}/readyz")[2]["status"] == "ok"
        status, _, created = http(
            "POST", f"{base}/api/tickets/", {"title": "Back", "description": "Up."}, token=token
        )
        assert status == 201, created
