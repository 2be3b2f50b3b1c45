"""The outbox: every domain event written in the transaction of its change
(`recording.py`, fed by tickets/events.py), delivered after commit by a dispatcher
(`dispatch.py`: Celery workers or `manage.py deliver_events`) to webhooks (`webhooks.py`,
`signing.py`, `urls_guard.py`) and by email (`notifications.py`). See docs/integrations.md."""
