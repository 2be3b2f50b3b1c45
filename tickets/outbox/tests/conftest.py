import pytest

from tickets.outbox.tests.receiver import Receiver

SECRET = "whsec_test-secret-of-the-receiver"


@pytest.fixture
def receiver():
    server = Receiver(SECRET)
    yield server
    server.close()


@pytest.fixture
def private_urls(settings):
    """The test receiver listens on 127.0.0.1, refused unless this is on."""
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    return settings


@pytest.fixture
def endpoint(db, receiver, private_urls):
    from tickets.models import WebhookEndpoint

    return WebhookEndpoint.objects.create(url=receiver.url, event_types=["*"], secret=SECRET)
