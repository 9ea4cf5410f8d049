"""Web Push to a user's devices: VAPID (RFC 8292) + aes128gcm payloads (RFC 8291).

Subscriptions live in the ``push`` database (one ``push_subscription`` document per user
and browser, written by the gateway).  A push service answering 404 or 410 means the
subscription is gone: its document is deleted.  Other failures (5xx, 429, network) are
retried a few times with backoff; the in-app notification document exists either way, so
a lost push never loses the news.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import random
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pywebpush import WebPushException, webpush_async

from couch_design_docs.names import DatabaseNames
from relaypacs.couch import CouchClient, NotFound

log = logging.getLogger(__name__)

GONE = frozenset({404, 410})


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass(frozen=True)
class VapidKeys:
    private_key: str  # base64url of the raw 32-byte P-256 private value
    public_key: str  # base64url of the uncompressed point: the browser's applicationServerKey

    @classmethod
    def generate(cls) -> VapidKeys:
        key = ec.generate_private_key(ec.SECP256R1())
        private = key.private_numbers().private_value.to_bytes(32, "big")
        public = key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return cls(b64url(private), b64url(public))


@dataclass(frozen=True)
class PushMessage:
    """What the service worker shows: title, body, and the page a click opens."""

    title: str
    body: str = ""
    url: str = "/"
    tag: str | None = None

    def payload(self) -> str:
        return json.dumps({"title": self.title, "body": self.body, "url": self.url,
                           "tag": self.tag})  # fmt: skip


@dataclass
class PushResult:
    sent: int = 0
    pruned: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


class WebPushSender:
    def __init__(
        self,
        couch: CouchClient,
        names: DatabaseNames,
        *,
        vapid_private_key: str,
        subject: str,
        ttl: int = 24 * 3600,
        attempts: int = 3,
        backoff: float = 0.5,
        timeout: float = 10.0,
    ) -> None:
        self.db = couch.db(names.push)
        self.vapid_private_key = vapid_private_key
        self.subject = subject
        self.ttl = ttl
        self.attempts = attempts
        self.backoff = backoff
        self.timeout = timeout

    async def subscriptions(self, user: str) -> list[dict[str, Any]]:
        rows = await self.db.ids_with_prefix(f"push:{user}:", include_docs=True)
        return [row["doc"] for row in rows if row.get("doc")]

    async def notify(self, user: str, message: PushMessage) -> PushResult:
        result = PushResult()
        for subscription in await self.subscriptions(user):
            status = await self._send(subscription, message)
            if status is None:
                result.sent += 1
            elif status in GONE:
                await self._prune(subscription)
                result.pruned.append(subscription["_id"])
            else:
                result.failed.append(subscription["_id"])
        return result

    async def _send(self, subscription: dict[str, Any], message: PushMessage) -> int | None:
        """Send once with retries; None on success, else the last status (0: no answer)."""
        info = {"endpoint": subscription["endpoint"], "keys": subscription["keys"]}
        status = 0
        for attempt in range(self.attempts):
            try:
                await webpush_async(
                    info,
                    data=message.payload(),
                    vapid_private_key=self.vapid_private_key,
                    # pywebpush adds aud/exp into the dict it is given: a fresh one each call
                    vapid_claims={"sub": self.subject},
                    ttl=self.ttl,
                    timeout=self.timeout,
                )
                return None
            except WebPushException as exc:
                status = exc.status_code or 0
                if status in GONE or (400 <= status < 500 and status != 429):
                    return status
            except (aiohttp.ClientError, OSError, TimeoutError) as exc:
                log.info("push to %s failed: %s", subscription["_id"], type(exc).__name__)
                status = 0
            await asyncio.sleep(self.backoff * 2**attempt * random.uniform(0.5, 1.5))
        return status

    async def _prune(self, subscription: dict[str, Any]) -> None:
        with contextlib.suppress(NotFound):
            await self.db.delete(subscription["_id"], subscription["_rev"])
