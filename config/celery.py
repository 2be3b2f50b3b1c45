"""The Celery app: `celery -A config worker` (training jobs) and `celery -A config beat`
(periodic maintenance). Configured from Django settings prefixed CELERY_."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Tasks that live in a sub-package of an app (autodiscovery looks at <app>.tasks only).
app.autodiscover_tasks(["tickets.triage", "tickets.outbox"])
