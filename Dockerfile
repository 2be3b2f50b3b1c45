# syntax=docker/dockerfile:1
# Python: the same major.minor as CI's (.ci/check_deploy_files.py compares them).

# Build stage: the dependencies, into a virtualenv, from pyproject.toml alone: this layer is
# rebuilt when the dependencies change, not when the source does.
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
# Optional dependencies to add: "server" (gunicorn); "server,dev" for an image that runs the
# tests (docs/deployment.md, Tests in the image).
ARG EXTRAS=server
WORKDIR /src
COPY pyproject.toml ./
RUN python -m venv /venv \
    && python -c "import sys, tomllib; \
project = tomllib.load(open('pyproject.toml', 'rb'))['project']; \
extras = [name for name in sys.argv[1].split(',') if name]; \
wanted = project['dependencies'] + [d for n in extras for d in project['optional-dependencies'][n]]; \
open('requirements.txt', 'w').write('\n'.join(wanted) + '\n')" "$EXTRAS" \
    && /venv/bin/pip install --upgrade "pip>=24" \
    && /venv/bin/pip install -r requirements.txt

# Runtime stage: slim image, the source run in place (PYTHONPATH), a non-root user who may
# write only the static files, var/ and the model cache.
FROM python:3.11-slim AS runtime
ENV PATH=/venv/bin:$PATH \
    PYTHONPATH=/app \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=config.settings \
    ML_ARTIFACT_DIR=/data/ml
# /data/ml only caches model artefacts (their bytes are in the database): no volume needed.
# /app/staticfiles becomes compose's shared `static` volume (web fills it on start).
RUN useradd --create-home --uid 10001 --user-group app \
    && mkdir -p /data/ml /app/staticfiles /app/var \
    && chown app:app /data/ml /app/staticfiles /app/var
COPY --from=build /venv /venv
WORKDIR /app
COPY pyproject.toml manage.py conftest.py ./
COPY config ./config
COPY agents ./agents
COPY tickets ./tickets
COPY ml ./ml
USER 10001:10001
# The static files, with their manifest (config.E020 refuses to serve without it). Throwaway
# keys: settings refuse to load without real ones, and nothing is signed here.
RUN DJANGO_DEBUG=False \
    DJANGO_SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
    JWT_SIGNING_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
    ML_SIGNING_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
    python manage.py collectstatic --noinput -v 0
EXPOSE 8000
# The web server's probe; the worker and beat services of compose.yaml override it.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=3)"]
CMD ["gunicorn", "-c", "config/gunicorn.py", "config.wsgi"]
