"""A loopback Web Push service for tests, strict like the real ones.

It checks the VAPID ``Authorization: vapid t=<JWT>, k=<key>`` header (RFC 8292: ES256
signature by ``k``, ``aud`` equal to the endpoint's origin, ``exp`` in the future and at
most 24 h ahead, a ``sub``), decrypts the aes128gcm body (RFC 8291) with the subscription's
private key and auth secret, and records what arrived.  Endpoints can be told to answer
410 Gone (an expired subscription) or 500 a number of times.
"""

from __future__ import annotations

import base64
import json
import os
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import http_ece
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class Subscriber:
    """A browser's side of a subscription: its key pair and auth secret."""

    name: str
    endpoint: str
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes

    @property
    def keys(self) -> dict[str, str]:
        public = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {"p256dh": b64url(public), "auth": b64url(self.auth)}


@dataclass
class Delivery:
    subscriber: str
    payload: dict[str, Any]
    claims: dict[str, Any]


@dataclass
class PushService:
    host: str = "127.0.0.1"
    subscribers: dict[str, Subscriber] = field(default_factory=dict)
    deliveries: list[Delivery] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    gone: set[str] = field(default_factory=set)
    fail_times: dict[str, int] = field(default_factory=dict)
    expected_public_key: str | None = None

    def __post_init__(self) -> None:
        service = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                status = service.receive(self.path, self.headers, self._body())
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def _body(self) -> bytes:
                return self.rfile.read(int(self.headers.get("Content-Length", "0")))

        self.server = ThreadingHTTPServer((self.host, 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def origin(self) -> str:
        return f"http://{self.host}:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def subscriber(self, name: str) -> Subscriber:
        sub = Subscriber(
            name=name,
            endpoint=f"{self.origin}/push/{name}",
            private_key=ec.generate_private_key(ec.SECP256R1()),
            auth=os.urandom(16),
        )
        self.subscribers[name] = sub
        return sub

    def receive(self, path: str, headers: Any, body: bytes) -> int:
        name = path.rsplit("/", 1)[-1]
        sub = self.subscribers.get(name)
        if sub is None or name in self.gone:
            return 410
        if self.fail_times.get(name, 0) > 0:
            self.fail_times[name] -= 1
            return 500
        try:
            claims = self.verify_vapid(headers.get("Authorization", ""))
            if headers.get("Content-Encoding") != "aes128gcm":
                raise ValueError("Content-Encoding must be aes128gcm")
            if not headers.get("TTL"):
                raise ValueError("TTL header missing")
            plain = http_ece.decrypt(
                body, private_key=sub.private_key, auth_secret=sub.auth, version="aes128gcm"
            )
        except Exception as exc:
            self.rejected.append(f"{name}: {exc}")
            return 401
        self.deliveries.append(Delivery(name, json.loads(plain), claims))
        return 201

    def verify_vapid(self, authorization: str) -> dict[str, Any]:
        scheme, _, params = authorization.partition(" ")
        if scheme.lower() != "vapid":
            raise ValueError(f"not a vapid authorization: {scheme!r}")
        parts = dict(p.strip().split("=", 1) for p in params.split(","))
        key_bytes = b64url_decode(parts["k"])
        if self.expected_public_key and parts["k"] != self.expected_public_key:
            raise ValueError("signed by an unexpected key")
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), key_bytes)
        claims = jwt.decode(parts["t"], public, algorithms=["ES256"], audience=self.origin)
        if not claims.get("sub"):
            raise ValueError("sub claim missing")
        if claims["exp"] > time.time() + 24 * 3600:
            raise ValueError("exp more than 24 h ahead")
        return claims
