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
    forks: the workers share its memory (copy-on-write) instead of each loading a copy.

    Workers forked later (recycled by max_requests) get the master's copy, which is the model
    active when the master last loaded one. After an activation they load the new model
    themselves, each its own copy, on their first request needing it (the master is never
    told). `kill -HUP` the master after an activation (on_reload below), or restart the web
    processes one by one, so that the master holds the new model and workers share it again.
    """
    _preload_model(server)


def on_reload(server):
    """`kill -HUP`: load the now active model in the master before the new workers fork."""
    _preload_model(server)


def _preload_model(server) -> None:
    if not preload_app:
        return
    from django.db import connections

    from tickets.triage.registry import active_model

    try:
        model = active_model()
    except Exception as error:  # noqa: BLE001 - workers load it lazily anyway
        server.log.warning("model not preloaded: %s", error)
    else:
        server.log.info("model preloaded: %s", getattr(model, "version", None))
    finally:
        connections.close_all()  # never share a database connection with the workers
