"""Subscribe, unsubscribe and list one user's Web Push subscriptions; send a test push.

A subscription (RFC 8030 §5 endpoint, RFC 8291 ``p256dh``/``auth`` keys) is stored as a
``push_subscription`` document whose id is derived from (user, endpoint), so a browser
that subscribes again rewrites its own document instead of adding one, and a user can only
ever name their own documents.  The bridge reads them to notify
(:class:`relaypacs.webpush.WebPushSender`).

The endpoint is a URL the bridge will POST to: outside development it must be HTTPS and,
unless ``push_endpoint_hosts`` is empty, on a known push service, so a subscription cannot
turn the bridge into a client of an internal service.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from pydantic import ValidationError

from couch_design_docs.models import PushKeys, PushSubscription
from couch_design_docs.names import push_subscription_doc_id
from couch_design_docs.timestamps import now_timestamp
from relaypacs.couch import Conflict as CouchConflict
from relaypacs.couch import CouchClient
from relaypacs.couch import NotFound as CouchNotFound
from relaypacs.types import Doc
from relaypacs.webpush import PushMessage, PushResult, WebPushSender
from sync_gateway.errors import NotFound, Unprocessable
from sync_gateway.settings import GatewaySettings


def endpoint_refusal(endpoint: str, settings: GatewaySettings) -> str | None:
    """Why ``endpoint`` is not acceptable as a push endpoint, or None."""
    parts = urlsplit(endpoint)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return "endpoint must be an absolute https URL"
    if parts.scheme != "https" and settings.env == "production":
        return "endpoint must use https"
    allowed = settings.push_endpoint_hosts
    host = parts.hostname.lower()
    if allowed and not any(host == h or host.endswith("." + h) for h in allowed):
        return f"{host} is not a known push service"
    return None


def public_subscription(doc: Doc) -> dict[str, Any]:
    return {
        "id": doc["_id"],
        "endpoint": doc["endpoint"],
        "device": doc.get("device"),
        "created_at": doc.get("created_at"),
    }


async def subscribe(
    couch: CouchClient,
    settings: GatewaySettings,
    user: str,
    endpoint: str,
    keys: PushKeys,
    device: str | None,
) -> tuple[dict[str, Any], bool]:
    """Store (or refresh) ``user``'s subscription; (its public view, whether it is new)."""
    refusal = endpoint_refusal(endpoint, settings)
    if refusal is not None:
        raise Unprocessable(refusal)
    doc_id = push_subscription_doc_id(user, endpoint)
    created = False

    def change(current: Doc | None) -> Doc | None:
        nonlocal created
        created = current is None
        wanted_keys = keys.model_dump()
        if (
            current is not None
            and current.get("keys") == wanted_keys
            and (device is None or current.get("device") == device)
        ):
            return None  # the same subscription again: nothing to write
        try:
            doc = PushSubscription(
                _id=doc_id,
                user=user,
                endpoint=endpoint,
                keys=keys,
                device=device if device is not None else (current or {}).get("device"),
                created_at=(current or {}).get("created_at") or now_timestamp(),
            ).to_doc()
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first.get("loc", ()))
            raise Unprocessable(f"{where}: {first.get('msg', 'invalid')}") from exc
        return doc

    doc = await couch.db(settings.names.push).update(doc_id, change)
    assert doc is not None
    return public_subscription(doc), created


async def unsubscribe(
    couch: CouchClient, settings: GatewaySettings, user: str, endpoint: str
) -> bool:
    """Remove ``user``'s subscription for ``endpoint``; whether there was one."""
    db = couch.db(settings.names.push)
    doc_id = push_subscription_doc_id(user, endpoint)
    for _ in range(5):
        current = await db.get_or_none(doc_id)
        if current is None:
            return False
        try:
            await db.delete(doc_id, current["_rev"])
            return True
        except CouchNotFound:
            return False
        except CouchConflict:  # a concurrent re-subscribe changed it: read again
            continue
    return False


async def list_subscriptions(
    couch: CouchClient, settings: GatewaySettings, user: str
) -> list[dict[str, Any]]:
    rows = await couch.db(settings.names.push).ids_with_prefix(f"push:{user}:", include_docs=True)
    return [public_subscription(row["doc"]) for row in rows if row.get("doc")]


def sender(couch: CouchClient, settings: GatewaySettings) -> WebPushSender:
    if settings.vapid_private_key is None:
        raise NotFound("Web Push is not configured on this server")
    return WebPushSender(
        couch,
        settings.names,
        vapid_private_key=settings.vapid_private_key.get_secret_value(),
        subject=settings.vapid_subject,
        attempts=2,
        backoff=0.2,
        timeout=10.0,
    )


async def send_test(couch: CouchClient, settings: GatewaySettings, user: str) -> PushResult:
    message = PushMessage(
        "RelayPACS test notification",
        "Notifications reach this device.",
        url="/",
        tag="relaypacs-test",
    )
    return await sender(couch, settings).notify(user, message)
