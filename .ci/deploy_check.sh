#!/usr/bin/env bash
# `manage.py check --deploy --fail-level WARNING` with production settings: DEBUG off, real
# secrets, HTTPS switched on by the environment, shared throttle cache. Any warning fails.
# The values are throwaway (random per run) but shaped like production's; see .env.example.
set -euo pipefail
cd "$(dirname "$0")/.."

secret() { .venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(50))'; }

# The documented deployment collects the static files first (config.E020 without them).
STATIC=$(mktemp -d)
trap 'rm -rf "$STATIC"' EXIT
DJANGO_DEBUG=False DJANGO_SECRET_KEY="$(secret)" JWT_SIGNING_KEY="$(secret)" \
  ML_SIGNING_KEY="$(secret)" DJANGO_STATIC_ROOT="$STATIC" \
  .venv/bin/python manage.py collectstatic --noinput -v 0

env \
  DJANGO_STATIC_ROOT="$STATIC" \
  DJANGO_DEBUG=False \
  DJANGO_SECRET_KEY="$(secret)" \
  JWT_SIGNING_KEY="$(secret)" \
  ML_SIGNING_KEY="$(secret)" \
  DJANGO_ALLOWED_HOSTS=help.example.com \
  DJANGO_CSRF_TRUSTED_ORIGINS=https://help.example.com \
  DJANGO_SECURE_SSL_REDIRECT=True \
  DJANGO_SECURE_PROXY_SSL_HEADER=True \
  DJANGO_SECURE_HSTS_SECONDS=31536000 \
  DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS=True \
  DJANGO_SECURE_HSTS_PRELOAD=True \
  DJANGO_SESSION_COOKIE_SECURE=True \
  DJANGO_CSRF_COOKIE_SECURE=True \
  DJANGO_NUM_PROXIES=1 \
  REDIS_URL=redis://127.0.0.1:6379/0 \
  DATABASE_URL="postgres://tickets:unused@127.0.0.1:5432/tickets" \
  .venv/bin/python manage.py check --deploy --fail-level WARNING
