"""gunicorn settings, read from the environment (`gunicorn -c config/gunicorn.py config.wsgi`)."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")  # noqa: S104 - inside the container
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
# gunicorn's largest request line (default 4094): a search of 200 non-Latin characters with a
# few filters, all valid, would otherwise be an HTML 414 before the application sees it.
limit_request_line = 8190
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = 200
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-")
errorlog = "-"
# Load the app before forking so workers share the imported code's memory.
preload_app = os.environ.get("GUNICORN_PRELOAD", "true").lower() == "true"
