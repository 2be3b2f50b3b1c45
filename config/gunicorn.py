"""gunicorn settings, read from the environment (`gunicorn -c config/gunicorn.py config.wsgi`)."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")  # noqa: S104 - inside the container
# Blank (as in .env.example) or unset: 2 x CPUs + 1.
workers = int(os.environ.get("GUNICORN_WORKERS") or multiprocessing.cpu_count() * 2 + 1)
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
# gunicorn's largest request line (default 4094): up to there an over-long query value gets the
# application's JSON 400 naming the parameter; past it, gunicorn's own HTML 414.
limit_request_line = 8190
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = 200
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-")
errorlog = "-"
# Load the app before forking so workers share the imported code's memory.
preload_app = os.environ.get("GUNICORN_PRELOAD", "true").lower() == "true"


def when_ready(server):
    """Load the active model in the master, once the app is preloaded and before any worker
    forks: the workers share its memory (copy-on-write) instead of each loading a copy, and a
    worker recycled by max_requests starts with it instead of reading the artefact again."""
    if not preload_app:
        return
    from django.db import connections

    from tickets.ml_registry import active_model

    try:
        active_model()
    except Exception as error:  # noqa: BLE001 - workers load it lazily anyway
        server.log.warning("model not preloaded: %s", error)
    finally:
        connections.close_all()  # never share a database connection with the workers
