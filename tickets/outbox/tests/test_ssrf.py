"""No server-side request forgery: private, loopback, link-local and metadata addresses are
refused at registration and again at delivery, unless WEBHOOK_ALLOW_PRIVATE_URLS is on."""

import pytest

from tickets.models import WebhookAttempt, WebhookEndpoint
from tickets.outbox.dispatch import dispatch_until_idle
from tickets.services import ticket_create

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://localhost/hook",
        "http://[::1]/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://172.16.5.4/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fd00::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://0.0.0.0/hook",
        "http://100.64.0.1/hook",
        # The metadata address through a NAT64 gateway, and a private one through 6to4.
        "http://[64:ff9b::a9fe:a9fe]/hook",
        "http://[2002:a00:1::1]/hook",
    ],
)
def test_registering_a_non_public_address_is_refused(as_user, staff, url):
    response = as_user(staff).post(
        "/api/webhooks/", {"url": url, "event_types": ["created"]}, format="json"
    )

    assert response.status_code == 400, response.content
    assert "url" in response.json()
    assert not WebhookEndpoint.objects.exists()


def test_other_schemes_are_refused(as_user, staff):
    response = as_user(staff).post(
        "/api/webhooks/", {"url": "ftp://example.com/x", "event_types": ["*"]}, format="json"
    )
    assert response.status_code == 400
    assert "url" in response.json()


def test_a_public_address_is_accepted(as_user, staff, monkeypatch):
    import socket

    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda *a, **k: [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", 443))],
    )
    response = as_user(staff).post(
        "/api/webhooks/",
        {"url": "https://hooks.example.com/in", "event_types": ["created"]},
        format="json",
    )
    assert response.status_code == 201


def test_the_address_is_checked_again_at_delivery(
    settings, endpoint, receiver, requester, catalogue
):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False  # registered while allowed, now refused
    ticket_create(title="Refund", description="charged twice", created_by=requester)

    dispatch_until_idle()

    assert receiver.requests == 0
    attempt = WebhookAttempt.objects.first()
    assert "non-public address" in attempt.error
