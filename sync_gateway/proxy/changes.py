"""``_changes`` through the gateway: the rows a user may not see are taken out.

Normal and longpoll feeds are fetched from CouchDB with ``include_docs=true`` (a chunk's
author decides who sees it), filtered, and answered in CouchDB's shape.  Two details keep
PouchDB's replicator correct (CouchDB replication protocol, "Listen to Changes Feed"):

- PouchDB stops a one-shot replication at the first empty page, so a page that filtering
  emptied is followed by the next one until a row survives or CouchDB runs out;
- a longpoll that is still waiting sends a newline every heartbeat, as CouchDB does, so the
  client's connection stays alive while the gateway waits.

Continuous feeds are filtered line by line as they stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from relaypacs.couch import CouchHTTPError
from relaypacs.couch.errors import error_for_body
from relaypacs.couch.streams import ByteStreams, StreamedResponse
from sync_gateway.access.view import UserDatabase
from sync_gateway.errors import BadRequest, as_http, error_response
from sync_gateway.proxy import upstream as up
from sync_gateway.settings import GatewaySettings

LONGPOLL_MAX_SECONDS = 300.0


class _Feed:
    def __init__(
        self,
        view: UserDatabase,
        upstream: ByteStreams,
        settings: GatewaySettings,
        request: Request,
        body: bytes | None,
    ) -> None:
        self.view = view
        self.upstream = upstream
        self.settings = settings
        self.method = request.method
        self.body = body
        query = list(request.query_params.multi_items())
        self.q = dict(query)
        if self.q.get("attachments") == "true":
            raise BadRequest("fetch attachments separately, not inline in _changes")
        self.feed = self.q.get("feed", "normal")
        if self.feed not in ("normal", "longpoll", "continuous"):
            raise BadRequest(
                f"feed={self.feed} is not supported; use normal, longpoll or continuous"
            )
        self.client_docs = self.q.get("include_docs") == "true"
        self.params = {k: v for k, v in query if k != "include_docs"}
        if view.target.kind == "clinic" or self.client_docs:
            self.params["include_docs"] = "true"
        try:
            self.limit = int(self.q["limit"]) if "limit" in self.q else None
            self.heartbeat = int(self.q["heartbeat"]) / 1000 if "heartbeat" in self.q else None
            timeout = self.q.get("timeout")
            self.timeout = int(timeout) / 1000 if timeout else None
        except ValueError as exc:
            raise BadRequest("limit, heartbeat and timeout must be integers") from exc
        if self.q.get("heartbeat") == "true":
            self.heartbeat = settings.changes_heartbeat_ms / 1000

    def read_timeout(self) -> float:
        if self.heartbeat:
            return max(self.heartbeat * 3, 5.0)
        if self.feed == "normal":
            return self.settings.upstream_timeout_seconds
        return (self.timeout or 60.0) + 30.0

    async def _open(self, params: dict[str, Any]) -> StreamedResponse:
        headers = {"Accept": up.JSON}
        if self.body is not None:
            headers["Content-Type"] = up.JSON
        return await self.upstream.send(
            self.method,
            up.db_path(self.view.name, "_changes"),
            params=params,
            headers=headers,
            content=self.body,
            read_timeout=self.read_timeout(),
        )

    def _row(self, row: dict[str, Any]) -> dict[str, Any] | None:
        doc_id = row.get("id")
        if not isinstance(doc_id, str):
            return row
        if not self.view.visible(doc_id, row.get("doc")):
            return None
        if not self.client_docs:
            row.pop("doc", None)
        return row

    async def _page(self, params: dict[str, Any]) -> dict[str, Any]:
        upstream = await self._open(params)
        if upstream.status_code != 200:
            body = await up.read_capped(upstream, self.settings.max_json_bytes)
            raise error_for_body(upstream.status_code, body)
        return await up.read_json(upstream, self.settings.max_request_bytes)

    async def pages(self) -> dict[str, Any]:
        """One answer with at least one visible row, unless there is nothing more.

        A longpoll ends by the client's ``timeout`` (or after LONGPOLL_MAX_SECONDS) with
        no rows, as CouchDB's does: the test server ignores ``timeout``, so the gateway
        keeps the deadline itself.
        """
        params = dict(self.params)
        loop = asyncio.get_running_loop()
        limit = self.timeout if self.timeout and not self.heartbeat else LONGPOLL_MAX_SECONDS
        deadline = loop.time() + limit
        page: dict[str, Any] = {}
        while True:
            since = params.get("since", 0)
            if self.feed == "longpoll":
                try:
                    page = await asyncio.wait_for(
                        self._page(params), max(0.0, deadline - loop.time())
                    )
                except TimeoutError:
                    page = {"results": [], "last_seq": since}
            else:
                page = await self._page(params)
            results = page.get("results", [])
            visible = [r for r in (self._row(row) for row in results) if r is not None]
            last_seq = page.get("last_seq", since)
            if visible or not results:
                break
            if self.feed == "normal" and (self.limit is None or len(results) < self.limit):
                break
            if loop.time() > deadline:
                break
            params["since"] = last_seq if isinstance(last_seq, str) else str(last_seq)
        answer: dict[str, Any] = {"results": visible, "last_seq": last_seq}
        if "pending" in page:
            answer["pending"] = page["pending"]
        return answer

    async def continuous(self) -> Response:
        upstream = await self._open(self.params)
        if upstream.status_code != 200:
            data = await up.read_json(upstream, self.settings.max_json_bytes)
            return JSONResponse(data, status_code=upstream.status_code)

        async def lines() -> AsyncIterator[bytes]:
            try:
                async for line in upstream.aiter_lines():
                    if not line.strip():
                        yield b"\n"
                        continue
                    try:
                        row = json.loads(line)
                    except ValueError:
                        continue
                    row = self._row(row)
                    if row is not None:
                        yield json.dumps(row, separators=(",", ":")).encode() + b"\n"
            except (aiohttp.ClientError, TimeoutError):
                return  # the client reconnects from its last seq
            finally:
                await upstream.aclose()

        return StreamingResponse(lines(), media_type=up.JSON)

    async def answer(self) -> Response:
        if self.feed == "continuous":
            return await self.continuous()
        task = asyncio.ensure_future(self.pages())
        first_wait = self.heartbeat if self.feed == "longpoll" and self.heartbeat else None
        try:
            done, _ = await asyncio.wait({task}, timeout=first_wait)
        except asyncio.CancelledError:
            task.cancel()
            raise
        if done:
            return JSONResponse(task.result())
        return StreamingResponse(self._keep_alive(task), media_type=up.JSON)

    async def _keep_alive(self, task: asyncio.Future) -> AsyncIterator[bytes]:
        """Heartbeat newlines while a longpoll waits, then its answer (or an error body)."""
        try:
            while True:
                yield b"\n"
                done, _ = await asyncio.wait({task}, timeout=self.heartbeat)
                if done:
                    break
            try:
                yield json.dumps(task.result()).encode()
            except Exception as exc:  # the status line is sent: say it in the body
                status, error, reason, _ = as_http(exc)
                yield json.dumps({"error": error, "reason": reason, "status": status}).encode()
        finally:
            if not task.done():
                task.cancel()
                with contextlib.suppress(BaseException):
                    await task


async def changes(
    view: UserDatabase, upstream: ByteStreams, settings: GatewaySettings, request: Request
) -> Response:
    body = None
    if request.method == "POST":
        body = await up.read_request(request, settings.max_json_bytes)
    feed = _Feed(view, upstream, settings, request, body)
    try:
        return await feed.answer()
    except CouchHTTPError as exc:
        return error_response(exc)
