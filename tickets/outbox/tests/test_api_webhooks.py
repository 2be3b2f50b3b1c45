"""Staff register webhook endpoints over the API; nobody else may."""

import pytest

from tickets.models import WebhookEndpoint
from tickets.outbox.dispatch import dispatch_until_idle
from tickets.services import ticket_create

pytestmark = pytest.mark.django_db


def test_staff_register_an_endpoint_and_see_the_secret_once(as_user, staff, private_urls):
    client = as_user(staff)
    response = client.post(
        "/api/webhooks/",
        {
            "url": "http://127.0.0.1:9/hooks",
            "event_types": ["created", "status_changed", "created"],
            "description": "CRM",
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["secret"].startswith("whsec_") and len(body["secret"]) > 30
    assert body["event_types"] == ["created", "status_changed"]
    assert body["is_active"] is True
    shown = client.get(f"/api/webhooks/{body['id']}/").json()
    assert shown["secret"] == "…" + body["secret"][-4:]
    assert [e["id"] for e in client.get("/api/webhooks/").json()] == [body["id"]]


def test_unknown_event_types_and_fields_are_refused(as_user, staff, private_urls):
    client = as_user(staff)
    response = client.post(
        "/api/webhooks/",
        {"url": "http://127.0.0.1:9/", "event_types": ["nope"]},
        format="json",
    )
    assert response.status_code == 400 and "event_types" in response.json()
    response = client.post(
        "/api/webhooks/",
        {"url": "http://127.0.0.1:9/", "event_types": ["*"], "colour": "red"},
        format="json",
    )
    assert response.status_code == 400
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize("who", ["requester", "billing_agent"])
def test_only_staff_see_or_register_endpoints(request, as_user, who, endpoint, catalogue):
    user = request.getfixturevalue(who)
    user = getattr(user, "user", user)
    client = as_user(user)
    assert client.get("/api/webhooks/").status_code == 403
    response = client.post(
        "/api/webhooks/", {"url": "https://example.com/", "event_types": ["*"]}, format="json"
    )
    assert response.status_code == 403
    base = f"/api/webhooks/{endpoint.pk}/"
    assert client.get(base).status_code == 403
    assert client.patch(base, {"is_active": False}, format="json").status_code == 403
    assert client.delete(base).status_code == 403
    assert client.get(base + "deliveries/").status_code == 403
    response = client.post(base + "redeliver/", {"event_id": str(endpoint.pk)}, format="json")
    assert response.status_code == 403
    endpoint.refresh_from_db()
    assert endpoint.is_active


def test_staff_switch_an_endpoint_off_and_back_on(as_user, staff, endpoint):
    client = as_user(staff)
    endpoint.is_active = False
    endpoint.disabled_reason = "every delivery failed"
    endpoint.consecutive_failures = 40
    endpoint.save()

    response = client.patch(f"/api/webhooks/{endpoint.pk}/", {"is_active": True}, format="json")

    assert response.status_code == 200
    assert response.json()["disabled_reason"] == ""
    assert response.json()["consecutive_failures"] == 0
    assert client.delete(f"/api/webhooks/{endpoint.pk}/").status_code == 204
    assert client.get(f"/api/webhooks/{endpoint.pk}/").status_code == 404


def test_the_delivery_log_costs_the_same_queries_for_any_number(
    as_user, staff, endpoint, requester, catalogue, django_assert_num_queries
):
    ticket_create(title="Refund", description="charged twice", created_by=requester)
    dispatch_until_idle()
    client = as_user(staff)
    url = f"/api/webhooks/{endpoint.pk}/deliveries/"
    # endpoint, count, page of deliveries with their events, their attempts
    with django_assert_num_queries(4):
        few = client.get(url).json()
    for i in range(5):
        ticket_create(title=f"Refund {i}", description="charged twice", created_by=requester)
    dispatch_until_idle()
    with django_assert_num_queries(4):
        many = client.get(url).json()
    assert few["count"] < many["count"]
    assert many["results"][0]["attempts_log"][0]["status_code"] == 200


def test_redelivering_an_unknown_event_is_a_404(as_user, staff, endpoint):
    response = as_user(staff).post(
        f"/api/webhooks/{endpoint.pk}/redeliver/",
        {"event_id": "00000000-0000-0000-0000-000000000000"},
        format="json",
    )
    assert response.status_code == 404
