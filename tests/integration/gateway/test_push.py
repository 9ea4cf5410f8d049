"""Web Push subscriptions through the gateway, and a test push to a strict loopback service.

The push service (tests/push_service.py) verifies the VAPID JWT (ES256, aud, exp, sub)
against the gateway's public key and decrypts the aes128gcm body, as a browser's would.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from couch_design_docs.names import push_subscription_doc_id
from tests.integration.gateway.conftest import World
from tests.push_service import PushService

pytestmark = pytest.mark.integration

BASE = "/api/v1/push"


@pytest.fixture
def push_service(world: World) -> Iterator[PushService]:
    service = PushService(expected_public_key=world.gw.vapid.public_key)
    yield service
    service.close()


async def test_public_key_is_the_configured_one(world: World) -> None:
    response = await world.http.get(f"{BASE}/vapid-public-key")
    assert response.status_code == 200
    assert response.json() == {"public_key": world.gw.vapid.public_key}


async def test_subscribe_is_idempotent_and_per_user(world: World, push_service) -> None:
    amina, bakari = await world.login("amina"), await world.login("bakari")
    phone = push_service.subscriber("phone")
    body = {"endpoint": phone.endpoint, "keys": phone.keys, "expirationTime": None}

    first = await world.http.post(f"{BASE}/subscriptions", json=body, headers=amina.headers)
    again = await world.http.post(f"{BASE}/subscriptions", json=body, headers=amina.headers)
    assert first.status_code == 201, first.text
    assert again.status_code == 200
    doc_id = push_subscription_doc_id(amina.username, phone.endpoint)
    assert first.json()["id"] == again.json()["id"] == doc_id
    stored = await world.gw.admin.db(world.gw.names.push).get(doc_id)
    assert stored["user"] == amina.username and stored["keys"] == phone.keys

    mine = await world.http.get(f"{BASE}/subscriptions", headers=amina.headers)
    theirs = await world.http.get(f"{BASE}/subscriptions", headers=bakari.headers)
    assert [s["endpoint"] for s in mine.json()] == [phone.endpoint]
    assert theirs.json() == []

    # bakari naming amina's endpoint removes nothing of hers
    gone = await world.http.request(
        "DELETE", f"{BASE}/subscriptions", json={"endpoint": phone.endpoint}, headers=bakari.headers
    )
    assert gone.json() == {"removed": False}
    assert await world.gw.admin.db(world.gw.names.push).get_or_none(doc_id) is not None

    removed = await world.http.delete(
        f"{BASE}/subscriptions", params={"endpoint": phone.endpoint}, headers=amina.headers
    )
    assert removed.status_code == 200 and removed.json() == {"removed": True}
    assert await world.gw.admin.db(world.gw.names.push).get_or_none(doc_id) is None


async def test_bad_subscriptions_are_422(world: World, push_service) -> None:
    amina = await world.login("amina")
    phone = push_service.subscriber("phone")
    cases = [
        {"endpoint": "https://evil.example.com/push/x", "keys": phone.keys},  # unknown host
        {"endpoint": "file:///etc/passwd", "keys": phone.keys},
        {"endpoint": phone.endpoint, "keys": {"p256dh": "short", "auth": "x"}},
        {"endpoint": phone.endpoint},
    ]
    for body in cases:
        response = await world.http.post(f"{BASE}/subscriptions", json=body, headers=amina.headers)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["error"] == "unprocessable"
    missing = await world.http.delete(f"{BASE}/subscriptions", headers=amina.headers)
    assert missing.status_code == 400
    anonymous = await world.http.post(f"{BASE}/subscriptions", json=cases[0])
    assert anonymous.status_code == 401


async def test_test_push_reaches_the_admins_devices_and_prunes_gone_ones(
    world: World, push_service
) -> None:
    sam, amina = await world.login("sam"), await world.login("amina")
    laptop, old = push_service.subscriber("laptop"), push_service.subscriber("old")
    for sub in (laptop, old):
        body = {"endpoint": sub.endpoint, "keys": sub.keys, "device": sub.name}
        response = await world.http.post(f"{BASE}/subscriptions", json=body, headers=sam.headers)
        assert response.status_code == 201
    push_service.gone.add("old")  # the browser dropped it: the service answers 410

    response = await world.http.post(f"{BASE}/test", headers=sam.headers)

    assert response.status_code == 200, response.text
    result = response.json()
    assert result["sent"] == 1 and result["failed"] == []
    assert result["pruned"] == [push_subscription_doc_id(sam.username, old.endpoint)]
    assert push_service.rejected == []
    [delivery] = push_service.deliveries
    assert delivery.subscriber == "laptop"
    assert delivery.payload["title"] == "RelayPACS test notification"
    assert delivery.claims["sub"] == "mailto:ops@relaypacs.test"
    left = await world.http.get(f"{BASE}/subscriptions", headers=sam.headers)
    assert [s["device"] for s in left.json()] == ["laptop"]
    # only administrators send test pushes
    assert (await world.http.post(f"{BASE}/test", headers=amina.headers)).status_code == 403
