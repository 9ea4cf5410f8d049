"""Requests to CouchDB with the service account, streamed in both directions.

The proxy moves every byte a replication carries, so it talks to CouchDB over the
client's aiohttp pool (:mod:`relaypacs.couch.streams`: ~0.8 ms of CPU per MiB relayed where
httpx cost ~5 ms), the same pool the gateway's own JSON calls (``CouchClient.json``) use.

Content types are forwarded and ``Accept: application/json`` is sent for JSON endpoints:
the PouchDB-Server stand-in stores an EMPTY document for a PUT without
``Content-Type: application/json`` and answers ``text/plain`` otherwise (ENVIRONMENT.md).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from relaypacs.couch import quote_id
from relaypacs.couch.streams import StreamedResponse
from sync_gateway.errors import BadRequest, PayloadTooLarge

HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "transfer-encoding",
        "te",
        "trailer",
        "upgrade",
        "proxy-authenticate",
        "proxy-authorization",
        "server",
        "date",
        "set-cookie",
        "www-authenticate",
        "x-couch-request-id",
        "x-couchdb-body-time",
        "x-powered-by",
    }
)
FORWARDED_REQUEST_HEADERS = ("content-type", "if-none-match", "if-match")
JSON = "application/json"


def db_path(db: str, *segments: str) -> str:
    return "/" + "/".join([quote(db, safe=""), *(quote(s, safe="") for s in segments)])


def doc_path(db: str, doc_id: str, attachment: str | None = None) -> str:
    path = f"/{quote(db, safe='')}/{quote_id(doc_id)}"
    if attachment is not None:
        path += "/" + "/".join(quote(p, safe="") for p in attachment.split("/"))
    return path


def request_headers(request: Request, *, accept: str = JSON) -> dict[str, str]:
    headers = {"Accept": accept}
    for name in FORWARDED_REQUEST_HEADERS:
        value = request.headers.get(name)
        if value is not None:
            headers[name] = value
    return headers


def response_headers(upstream: StreamedResponse) -> dict[str, str]:
    return {k: v for k, v in upstream.headers.items() if k.lower() not in HOP_BY_HOP}


class Relayed(Response):
    """An upstream answer relayed piece by piece as it arrives (bounded memory).

    For answers of bounded size (a document, a chunk's data, a checkpoint): unlike
    Starlette's ``StreamingResponse`` it starts no task to watch for the client leaving —
    one task group per request showed in the gateway's profile of a pull, ~40 requests a
    MiB — and a client that left costs at most the rest of that one answer.  Feeds that
    may run for hours (``_changes``) keep the watcher.
    """

    def __init__(self, upstream: StreamedResponse) -> None:
        self.upstream = upstream
        self.status_code = upstream.status_code
        self.init_headers(response_headers(upstream))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await send(
                {
                    "type": "http.response.start",
                    "status": self.status_code,
                    "headers": self.raw_headers,
                }
            )
            async for piece in self.upstream.aiter_raw():
                await send({"type": "http.response.body", "body": piece, "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            await self.upstream.aclose()


async def read_capped(upstream: StreamedResponse, cap: int) -> bytes:
    """Read an upstream body of at most ``cap`` bytes (the proxy parses these)."""
    buf = bytearray()
    try:
        async for piece in upstream.aiter_raw():
            buf += piece
            if len(buf) > cap:
                raise PayloadTooLarge(f"the database's answer exceeds {cap} bytes; ask for less")
    finally:
        await upstream.aclose()
    return bytes(buf)


async def read_json(upstream: StreamedResponse, cap: int) -> Any:
    body = await read_capped(upstream, cap)
    try:
        return json.loads(body)
    except ValueError:
        return {"error": "bad_gateway", "reason": "the database answered with invalid JSON"}


def refuse_declared_length(request: Request, cap: int) -> None:
    """413 before reading a body whose Content-Length says it exceeds ``cap``."""
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            if int(declared) > cap:
                raise PayloadTooLarge(f"request body exceeds the limit of {cap} bytes")
        except ValueError as exc:
            raise BadRequest("malformed Content-Length") from exc


async def read_request(request: Request, cap: int) -> bytes:
    """The whole request body, refused with 413 beyond ``cap`` bytes (before reading it)."""
    refuse_declared_length(request, cap)
    pieces: list[bytes] = []
    size = 0
    async for piece in request.stream():
        size += len(piece)
        if size > cap:
            raise PayloadTooLarge(f"request body exceeds the limit of {cap} bytes")
        pieces.append(piece)
    return b"".join(pieces)


def parse_json(body: bytes) -> Any:
    try:
        return json.loads(body) if body else None
    except ValueError as exc:
        raise BadRequest("the request body is not valid JSON") from exc


async def aiter_pieces(pieces: list[bytes]) -> AsyncIterator[bytes]:
    for piece in pieces:
        yield piece


async def aiter_file(handle: Any, size: int = 256 * 1024) -> AsyncIterator[bytes]:
    handle.seek(0)
    while True:
        piece = handle.read(size)
        if not piece:
            return
        yield piece
