"""Requests to CouchDB with the service account, streamed in both directions.

The proxy moves every byte a replication carries, so it talks to CouchDB over its own
aiohttp session (its C parser costs ~0.8 ms of CPU per MiB relayed where httpx costs ~5 ms;
``python -m bench gateway`` measures the difference); the shared
:class:`relaypacs.couch.CouchClient` keeps serving the gateway's own small JSON requests.

Content types are forwarded and ``Accept: application/json`` is sent for JSON endpoints:
the PouchDB-Server stand-in stores an EMPTY document for a PUT without
``Content-Type: application/json`` and answers ``text/plain`` otherwise (ENVIRONMENT.md).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterable, AsyncIterator, Mapping
from typing import Any
from urllib.parse import quote, urlencode

import aiohttp
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from yarl import URL

from relaypacs.couch import quote_id
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


class UpstreamResponse:
    """A CouchDB answer whose body has not been read yet (stream it, read it or close it)."""

    __slots__ = ("_response",)

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self._response = response

    @property
    def status_code(self) -> int:
        return self._response.status

    @property
    def headers(self) -> Mapping[str, str]:
        return self._response.headers

    async def aiter_raw(self) -> AsyncIterator[bytes]:
        async for piece in self._response.content.iter_any():
            yield piece

    async def aiter_lines(self) -> AsyncIterator[bytes]:
        """Lines without their newline, however long (a row with a large document)."""
        pending = b""
        async for piece in self._response.content.iter_any():
            pending += piece
            *lines, pending = pending.split(b"\n")
            for line in lines:
                yield line
        if pending:
            yield pending

    async def aclose(self) -> None:
        # a body left unread cannot go back to the pool: drop the connection
        if self._response.content.at_eof():
            self._response.release()
        else:
            self._response.close()


class Upstream:
    """The proxy's connection pool to CouchDB (one aiohttp session per event loop)."""

    def __init__(
        self,
        url: str,
        user: str | None,
        password: str | None,
        *,
        timeout: float,
        max_connections: int = 100,
    ) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.max_connections = max_connections
        self._headers = {"Accept-Encoding": "identity"}
        if user:
            self._headers["Authorization"] = aiohttp.encode_basic_auth(user, password or "")
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def session(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        if self._session is None or self._session.closed or self._loop is not loop:
            self._loop = loop
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self.max_connections),
                headers=self._headers,
                auto_decompress=False,
                skip_auto_headers=("User-Agent",),
            )
        return self._session

    async def aclose(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    def url_of(self, path: str, params: Any = None) -> URL:
        query = f"?{urlencode(params, quote_via=quote)}" if params else ""
        return URL(self.url + path + query, encoded=True)


async def send(
    upstream: Upstream,
    method: str,
    path: str,
    *,
    params: Any = None,
    headers: dict[str, str] | None = None,
    content: bytes | AsyncIterable[bytes] | None = None,
    read_timeout: float | None = None,
) -> UpstreamResponse:
    """Send one request; the response body is left unread (stream it or read it)."""
    timeout = aiohttp.ClientTimeout(
        total=None, connect=5.0, sock_read=read_timeout or upstream.timeout
    )
    response = await upstream.session().request(
        method,
        upstream.url_of(path, params),
        headers=headers,
        data=content,
        timeout=timeout,
        allow_redirects=False,
    )
    return UpstreamResponse(response)


def response_headers(upstream: UpstreamResponse) -> dict[str, str]:
    return {k: v for k, v in upstream.headers.items() if k.lower() not in HOP_BY_HOP}


def stream_back(upstream: UpstreamResponse) -> Response:
    """Relay an upstream response as it arrives (bounded memory)."""
    return StreamingResponse(
        upstream.aiter_raw(),
        status_code=upstream.status_code,
        headers=response_headers(upstream),
        background=BackgroundTask(upstream.aclose),
    )


async def read_capped(upstream: UpstreamResponse, cap: int) -> bytes:
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


async def read_json(upstream: UpstreamResponse, cap: int) -> Any:
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
