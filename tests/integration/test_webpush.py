"""Web Push reaches a strict loopback push service; gone subscriptions are pruned."""

from __future__ import annotations

import pytest

from couch_design_docs.models import PushSubscription
from couch_design_docs.names import DatabaseNames, push_subscription_doc_id
from couch_design_docs.setup import setup
from relaypacs.couch import CouchClient
from relaypacs.webpush import PushMessage, VapidKeys, WebPushSender
from tests.factories import NOW
from tests.push_service import PushService

pytestmark = pytest.mark.integration


@pytest.fixture
def push_service():
    service = PushService()
    yield service
    service.close()


async def subscribe(couch: CouchClient, names: DatabaseNames, user: str, sub) -> dict:
    doc = PushSubscription(
        _id=push_subscription_doc_id(user, sub.endpoint),
        user=user,
        endpoint=sub.endpoint,
        keys=sub.keys,
        device="test",
        created_at=NOW,
    ).to_doc()
    await couch.db(names.push).put(doc)
    return doc


@pytest.fixture
async def sender(couch: CouchClient, names: DatabaseNames, push_service: PushService):
    await setup(couch, names)
    keys = VapidKeys.generate()
    push_service.expected_public_key = keys.public_key
    return WebPushSender(
        couch, names, vapid_private_key=keys.private_key, subject="mailto:ops@relaypacs.test",
        backoff=0.01,
    )  # fmt: skip


async def test_push_is_signed_encrypted_and_delivered_to_every_device(
    sender, couch, names, push_service
):
    phone, laptop = push_service.subscriber("phone"), push_service.subscriber("laptop")
    await subscribe(couch, names, "amina", phone)
    await subscribe(couch, names, "amina", laptop)
    await subscribe(couch, names, "osei", push_service.subscriber("desk"))

    message = PushMessage("Study delivered to Radiology", "CT, 3 series", "/studies/s1")
    result = await sender.notify("amina", message)
    second = await sender.notify("amina", message)  # claims dict must not be reused stale

    assert result.sent == 2 and second.sent == 2
    assert push_service.rejected == []
    assert sorted(d.subscriber for d in push_service.deliveries) == [
        "laptop", "laptop", "phone", "phone"
    ]  # fmt: skip
    assert push_service.deliveries[0].payload["title"] == "Study delivered to Radiology"
    assert push_service.deliveries[0].payload["url"] == "/studies/s1"
    assert push_service.deliveries[0].claims["sub"] == "mailto:ops@relaypacs.test"


async def test_gone_subscription_is_pruned(sender, couch, names, push_service):
    old = push_service.subscriber("old-phone")
    doc = await subscribe(couch, names, "amina", old)
    push_service.gone.add("old-phone")

    result = await sender.notify("amina", PushMessage("Report ready"))

    assert result.pruned == [doc["_id"]]
    assert await couch.db(names.push).get_or_none(doc["_id"]) is None


async def test_server_errors_are_retried(sender, couch, names, push_service):
    flaky = push_service.subscriber("flaky")
    await subscribe(couch, names, "amina", flaky)
    push_service.fail_times["flaky"] = 2

    result = await sender.notify("amina", PushMessage("Study failed"))

    assert result.sent == 1
    assert len(push_service.deliveries) == 1


async def test_persistent_failure_keeps_the_subscription(sender, couch, names, push_service):
    down = push_service.subscriber("down")
    doc = await subscribe(couch, names, "amina", down)
    push_service.fail_times["down"] = 99

    result = await sender.notify("amina", PushMessage("Study failed"))

    assert result.failed == [doc["_id"]] and result.sent == 0
    assert await couch.db(names.push).get_or_none(doc["_id"]) is not None


async def test_a_wrong_key_is_rejected_by_the_service(couch, names, push_service):
    await setup(couch, names)
    push_service.expected_public_key = VapidKeys.generate().public_key
    await subscribe(couch, names, "amina", push_service.subscriber("phone"))
    impostor = WebPushSender(
        couch, names, vapid_private_key=VapidKeys.generate().private_key,
        subject="mailto:x@y.z", attempts=1,
    )  # fmt: skip
    result = await impostor.notify("amina", PushMessage("hi"))
    assert result.sent == 0 and push_service.rejected
