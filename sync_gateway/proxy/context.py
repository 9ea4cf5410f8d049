"""What every proxied operation is handed: the request, the user's view, the connections."""

from __future__ import annotations

from collections.abc import AsyncIterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

from relaypacs.couch import CouchClient
from relaypacs.couch.streams import ByteStreams
from sync_gateway.access.view import UserDatabase
from sync_gateway.audit import AuditLog
from sync_gateway.proxy import upstream as up
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

    async def json_call(
        self,
        method: str,
        path: str,
        body: bytes | AsyncIterable[bytes],
        params: Any = None,
        cap: int | None = None,
        length: int | None = None,
    ) -> tuple[int, Any]:
        """Send a JSON body (``length`` bytes when it comes in pieces) and read the JSON
        answer; a failure of the database answers 502.  ``params`` default to the request's."""
        headers = {"Accept": up.JSON, "Content-Type": up.JSON}
        if length is not None:
            headers["Content-Length"] = str(length)
        upstream = await self.upstream.send(
            method,
            path,
            params=params if params is not None else list(self.request.query_params.multi_items()),
            headers=headers,
            content=body,
        )
        data = await up.read_json(upstream, cap or self.settings.max_request_bytes)
        status = upstream.status_code
        if status >= 500:
            status, data = 502, {"error": "bad_gateway", "reason": "the database failed"}
        return status, data

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
