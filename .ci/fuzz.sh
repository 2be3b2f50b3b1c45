#!/usr/bin/env bash
# The fuzzer's own server, then the fuzzer: the demo data of `make setup` on a fresh PostgreSQL
# database, served by gunicorn (config/gunicorn.py, as in production) with production settings
# (DEBUG off, throwaway secrets) and the rate limits and sign-in lockout raised, then
# .ci/schemathesis.sh against it as requester, agent and staff.
#
#   .ci/fuzz.sh
#
# Knobs: FUZZ_POSTGRES (default postgres://postgres@127.0.0.1:5432, a role that may create
# databases), FUZZ_PORT (default: a free port), and those of .ci/schemathesis.sh.
# Server log: var/artifacts/fuzz-server.log; the fuzzer's reports: var/artifacts/schemathesis-*.
set -euo pipefail
cd "$(dirname "$0")/.."

POSTGRES="${FUZZ_POSTGRES:-postgres://postgres@127.0.0.1:5432}"
POSTGRES="${POSTGRES%/}"
DB="fuzz_tickets_$$"
WORK="var/fuzz-$$"
ARTIFACTS=var/artifacts
mkdir -p "$WORK" "$ARTIFACTS"
PORT="${FUZZ_PORT:-$(.venv/bin/python -c \
  'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"
BASE="http://127.0.0.1:$PORT"

secret() { .venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(50))'; }

export DATABASE_URL="$POSTGRES/$DB"
export ML_ARTIFACT_DIR="$PWD/$WORK/ml"
export DJANGO_DEBUG=False
DJANGO_SECRET_KEY="$(secret)"
JWT_SIGNING_KEY="$(secret)"
ML_SIGNING_KEY="$(secret)"
export DJANGO_SECRET_KEY JWT_SIGNING_KEY ML_SIGNING_KEY
# The fuzzer would otherwise mostly measure the throttles (their 429s are tested in
# config/api/tests/test_throttling.py).
export THROTTLE_TOKEN_CLIENT_RATE=100000/min
export THROTTLE_TOKEN_USERNAME_RATE=100000/min
export THROTTLE_TICKET_CREATE_RATE=100000/min
# Nor the sign-in lockout (django-axes; tested in config/api/tests/test_login_lockout.py): its
# 429s on /api/token/ are documented, but a locked demo user would stop the next role's run.
export AXES_FAILURE_LIMIT=100000
export ACCESS_LOG_LEVEL=WARNING

# `make setup` copies .env.example to .env when there is none; what runs next (the tests, a
# newcomer's smoke run) must not find one it did not make.
ENV_MADE=""
[ -e .env ] || ENV_MADE=1
SERVER_PID=""
cleanup() {
  if [ -n "$ENV_MADE" ]; then rm -f .env; fi
  if [ -n "$SERVER_PID" ]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  psql "$POSTGRES/postgres" -qc "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

psql "$POSTGRES/postgres" -qc "CREATE DATABASE $DB" >/dev/null
# Demo logins under DJANGO_DEBUG=False: setup_demo needs --force to create them.
make setup DEMO_FLAGS=--force >"$WORK/setup.log" 2>&1 || { cat "$WORK/setup.log"; exit 1; }
# As in production: the static files collected (gunicorn refuses to start without them).
export DJANGO_STATIC_ROOT="$PWD/$WORK/static"
.venv/bin/python manage.py collectstatic --noinput -v 0

# XDG_RUNTIME_DIR: gunicorn's control socket goes there, not next to another server's.
GUNICORN_BIND="127.0.0.1:$PORT" GUNICORN_WORKERS=2 GUNICORN_THREADS=4 \
  GUNICORN_ACCESSLOG=/dev/null XDG_RUNTIME_DIR="$PWD/$WORK" \
  .venv/bin/gunicorn -c config/gunicorn.py config.wsgi >"$ARTIFACTS/fuzz-server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 60); do
  curl -fs "$BASE/readyz" >/dev/null 2>&1 && break
  kill -0 "$SERVER_PID" 2>/dev/null || break
  sleep 0.5
done
if ! curl -fs "$BASE/readyz"; then
  echo "the server did not get ready"; tail -30 "$ARTIFACTS/fuzz-server.log"; exit 1
fi
echo

status=0
.ci/schemathesis.sh "$BASE" || status=$?
if grep -q "Traceback" "$ARTIFACTS/fuzz-server.log"; then
  echo "--- the server logged tracebacks (full log: $ARTIFACTS/fuzz-server.log)"
  grep -B2 -A30 "Traceback" "$ARTIFACTS/fuzz-server.log" | head -80
  status=1
fi
exit "$status"
