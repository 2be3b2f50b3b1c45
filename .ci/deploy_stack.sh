#!/usr/bin/env bash
# The compose stack, checked without a Docker engine:
#  (a) the Dockerfile linted (hadolint, from its PyPI wheel) and compose.yaml, the Dockerfile
#      and .env.example checked against each other (.ci/check_deploy_files.py);
#  (b) the exact commands of the web and worker services, read from compose.yaml, run
#      directly with production settings (DEBUG off, random real secrets) against a fresh
#      PostgreSQL database and a Redis database of their own, and nginx (Debian's) in front of
#      web with the repository's configuration, rendered with compose's values; then, through
#      nginx, the seed's operator commands, /readyz, a static file, a training job queued
#      through the API and polled to succeeded, the token-flush maintenance task on the
#      worker, and Celery beat starting.
# Needs `make install` and nginx (skipped without it unless REQUIRE_PROXY_TESTS is set).
# Ports 8200-8299; Redis database DEPLOY_STACK_REDIS_DB (default 6).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PY="$ROOT/.venv/bin/python"
step() { printf '\n--> %s\n' "$*"; }

step "Dockerfile lint (hadolint, PyPI wheel)"
if [ -x .venv/bin/hadolint ]; then
  .venv/bin/hadolint --failure-threshold warning Dockerfile && echo "ok: hadolint"
else
  echo "hadolint has no wheel for this platform; structural checks below still run"
fi

step "compose.yaml, Dockerfile and .env.example"
"$PY" .ci/check_deploy_files.py

step "PostgreSQL and Redis"
if ! pg_isready -h 127.0.0.1 -p 5432 -q; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
fi
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  for _ in $(seq 1 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 1; done
fi
DB="deploy_stack_$$"
REDIS_DB="${DEPLOY_STACK_REDIS_DB:-6}"
WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do
    kill -TERM -- "-$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 1 40); do kill -0 -- "-$pid" 2>/dev/null || break; sleep 0.25; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  done
  psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1 || true
  redis-cli -h 127.0.0.1 -p 6379 -n "$REDIS_DB" flushdb >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $DB" >/dev/null
psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $DB" >/dev/null
redis-cli -h 127.0.0.1 -p 6379 -n "$REDIS_DB" flushdb >/dev/null
read -r PORT PROXY_PORT < <("$PY" -c '
import random, socket
free = []
for port in random.sample(range(8200, 8300), 100):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            continue
        free.append(port)
    if len(free) == 2:
        break
print(*free)
')

secret() { "$PY" -c 'import secrets; print(secrets.token_urlsafe(50))'; }
# What .env and compose.yaml give the containers, with this machine's addresses.
export PATH="$ROOT/.venv/bin:$PATH"
export DJANGO_SETTINGS_MODULE=config.settings
export DJANGO_DEBUG=False
DJANGO_SECRET_KEY=$(secret)
JWT_SIGNING_KEY=$(secret)
ML_SIGNING_KEY=$(secret)
export DJANGO_SECRET_KEY JWT_SIGNING_KEY ML_SIGNING_KEY
export DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DB"
export REDIS_URL="redis://127.0.0.1:6379/$REDIS_DB"
export CELERY_BROKER_URL="redis://127.0.0.1:6379/$REDIS_DB"
export GUNICORN_BIND="127.0.0.1:$PORT" GUNICORN_WORKERS=2 CELERY_WORKER_CONCURRENCY=1
# compose's web: behind one proxy, static files in the volume nginx serves.
export DJANGO_NUM_PROXIES=1 DJANGO_STATIC_ROOT="$WORK/static"
export ML_CONFIDENCE_THRESHOLD=0
export PYTHONUNBUFFERED=1
BASE="http://127.0.0.1:$PORT"

# Each service in a process group of its own, stopped by that group's id.
start() {  # name artifact-dir command
  local name=$1 artifacts=$2 command=$3
  echo "$name: $command"
  ML_ARTIFACT_DIR="$artifacts" setsid sh -c "$command" >"$WORK/$name.log" 2>&1 &
  PIDS+=("$!")
}
logs() { for f in "$WORK"/*.log; do echo "--- $f"; tail -40 "$f"; done; }

step "image build step: collectstatic (as the Dockerfile runs it; web's command runs it again)"
python manage.py collectstatic --noinput | tail -1

step "web and worker: the commands compose.yaml gives them"
start web "$WORK/web-ml" "$("$PY" .ci/check_deploy_files.py --command web)"
start worker "$WORK/worker-ml" "$("$PY" .ci/check_deploy_files.py --command worker)"
ready=""
for _ in $(seq 1 120); do
  if curl -fs "$BASE/readyz" >/dev/null 2>&1; then ready=1; break; fi
  sleep 0.5
done
if [ -z "$ready" ]; then echo "FAIL: web never became ready"; logs; exit 1; fi
curl -fsS "$BASE/readyz"; echo

step "nginx in front of web: config/nginx/templates rendered with compose's values"
NGINX=$(command -v nginx || true)
if [ -z "$NGINX" ] && [ -x /usr/sbin/nginx ]; then NGINX=/usr/sbin/nginx; fi
if [ -n "$NGINX" ]; then
  CONF=$("$PY" -m config.nginx_render "$WORK/nginx" --port "$PROXY_PORT" \
    --upstream "127.0.0.1:$PORT" --static-root "$DJANGO_STATIC_ROOT" \
    --max-body-bytes "${DJANGO_MAX_REQUEST_BYTES:-1048576}")
  start nginx "$WORK/nginx-ml" "exec $NGINX -p $WORK/nginx -e $WORK/nginx/error.log -c $CONF -g 'daemon off;'"
  BASE="http://127.0.0.1:$PROXY_PORT"
  ready=""
  for _ in $(seq 1 40); do
    if curl -fs "$BASE/readyz" >/dev/null 2>&1; then ready=1; break; fi
    sleep 0.25
  done
  if [ -z "$ready" ]; then echo "FAIL: nginx never proxied /readyz"; logs; exit 1; fi
  STATIC=$("$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["paths"]["admin/css/base.css"])' \
    "$DJANGO_STATIC_ROOT/staticfiles.json")
  if ! curl -fsS -o /dev/null -D - "$BASE/static/$STATIC" | grep -qi "^server: nginx"; then
    echo "FAIL: nginx does not serve the collected static files"; logs; exit 1
  fi
  echo "ok: $BASE proxies to gunicorn and serves /static/ itself"
elif [ -n "${REQUIRE_PROXY_TESTS:-}" ]; then
  echo "FAIL: nginx is missing (apt-get install -y nginx)"; exit 1
else
  echo "nginx is missing (apt-get install -y nginx): the API is driven straight at gunicorn"
fi

step "the operator's commands: createsuperuser, then demo history (seed_tickets --force)"
ADMIN_PASSWORD=$(secret)
DJANGO_SUPERUSER_PASSWORD="$ADMIN_PASSWORD" python manage.py createsuperuser --noinput \
  --username deploy-admin --email deploy-admin@example.com
# Production settings: the demo command refuses without --force (a real installation imports
# its history with import_tickets instead, docs/operations.md).
if python manage.py seed_tickets --n 200 >"$WORK/seed-refused.log" 2>&1; then
  echo "FAIL: seed_tickets ran with DJANGO_DEBUG=False without --force"; exit 1
fi
if ! grep -q -- "--force" "$WORK/seed-refused.log"; then
  echo "FAIL: seed_tickets refused without saying why"; cat "$WORK/seed-refused.log"; exit 1
fi
echo "ok: seed_tickets refused without --force, saying why"
python manage.py seed_tickets --n 200 --force | tail -1

step "through the API: readiness, a training job on the worker, a ticket it classifies"
if ! "$PY" .ci/deploy_stack_api.py "$BASE" deploy-admin "$ADMIN_PASSWORD"; then
  logs; exit 1
fi

step "maintenance on the worker: flush expired tokens (what beat schedules)"
celery -A config call config.flush_expired_tokens
flushed=""
for _ in $(seq 1 60); do
  if grep -q "Task config.flush_expired_tokens\[.*\] succeeded" "$WORK/worker.log"; then
    flushed=1; break
  fi
  sleep 0.5
done
if [ -z "$flushed" ]; then echo "FAIL: the worker did not run the flush task"; logs; exit 1; fi
echo "ok: config.flush_expired_tokens ran on the worker"

step "beat: the command compose.yaml gives it starts with the configured schedule"
start beat "$WORK/beat-ml" "$("$PY" .ci/check_deploy_files.py --command beat | sed "s#/tmp/celerybeat-schedule#$WORK/celerybeat-schedule#")"
started=""
for _ in $(seq 1 60); do
  if grep -q "beat: Starting" "$WORK/beat.log"; then started=1; break; fi
  sleep 0.5
done
if [ -z "$started" ] || grep -q "Traceback" "$WORK/beat.log"; then
  echo "FAIL: beat did not start"; logs; exit 1
fi
echo "ok: celery beat started"
grep -h " ERROR \|Traceback" "$WORK"/*.log && { echo "FAIL: errors in the logs"; logs; exit 1; }
echo "ok: no errors in the web, worker and beat logs"
