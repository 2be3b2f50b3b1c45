# syntax=docker/dockerfile:1
# Build stage: install the project and its dependencies into a virtualenv.
FROM python:3.12-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /venv
WORKDIR /src
COPY pyproject.toml README.md ./
COPY config ./config
COPY agents ./agents
COPY tickets ./tickets
COPY ml ./ml
RUN /venv/bin/pip install --upgrade pip && /venv/bin/pip install ".[server]"

# Runtime stage: slim image, non-root user, static files collected for whitenoise.
FROM python:3.12-slim
ENV PATH=/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=config.settings \
    ML_ARTIFACT_DIR=/data/ml
# /data/ml only caches model artefacts (their bytes are in the database): no volume needed.
RUN useradd --create-home --uid 10001 --user-group app && mkdir -p /data/ml && chown app:app /data/ml
COPY --from=build /venv /venv
WORKDIR /app
COPY --chown=app manage.py ./
COPY --chown=app config ./config
COPY --chown=app agents ./agents
COPY --chown=app tickets ./tickets
COPY --chown=app ml ./ml
# Every manage.py command needs the secrets: throwaway random ones, gone with this build step.
RUN key="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" && \
    DJANGO_DEBUG=False DJANGO_SECRET_KEY="$key" JWT_SIGNING_KEY="$key" ML_SIGNING_KEY="$key" \
    python manage.py collectstatic --noinput
USER 10001:10001
EXPOSE 8000
# The web server's probe; the worker and beat services of compose.yaml override it.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=3)"]
CMD ["gunicorn", "-c", "config/gunicorn.py", "config.wsgi"]
