"""What every proxied operation is handed: the request, the user's view, the connections."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from starlette.requests import Request

from relaypacs.couch import CouchClient
from relaypacs.couch.streams import ByteStreams
from sync_gateway.access.view import UserDatabase
from sync_gateway.audit import AuditLog
from sync_gateway.settings import GatewaySettings

# One worker for the CPU-bound checks (JSON, base64, sha256): off the event loop, and one
# thread keeps one malloc arena (many threads each keep their own peak: RSS grows).
CHECKS = ThreadPoolExecutor(max_workers=1, thread_name_prefix="write-checks")


@dataclass
class Context:
    request: Request
    view: UserDatabase
    couch: CouchClient
    settings: GatewaySettings
    audit: AuditLog
    ip: str | None

    @property
    def upstream(self) -> ByteStreams:
        """The client's aiohttp pool: the proxy relays bodies over it."""
        return self.couch.streams

    def record(
        self, action: str, doc_ids: list[str], outcome: str = "ok", detail: str = ""
    ) -> None:
        if doc_ids or outcome != "ok":
            self.audit.record(
                self.view.user.username,
                action,
                role=str(self.view.user.role),
                outcome=outcome,
                db=self.view.name,
                doc_ids=doc_ids,
                ip=self.ip,
                detail=detail or None,
            )
