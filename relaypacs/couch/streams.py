"""The connection to CouchDB: one aiohttp pool per event loop, bodies left to stream.

Everything :class:`relaypacs.couch.CouchClient` sends goes through :class:`ByteStreams`:
its JSON API calls, the chunk attachments the bridge reads, every body the gateway relays.
aiohttp's C parser costs ~0.8 ms of CPU per MiB streamed where httpx cost ~5 ms (measured
on this machine; ``python -m bench gateway`` and ``python -m bench pipeline`` show it end
to end).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, AsyncIterator, Mapping
from typing import Any
from urllib.parse import quote, urlencode

import aiohttp
from yarl import URL


class StreamedResponse:
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
        """The body as it was received, piece by piece (``readchunk`` hands each piece over
        as is, where ``iter_any`` joins what has queued up into one more copy)."""
        content = self._response.content
        while True:
            piece, chunk_ended = await content.readchunk()
            if piece:
                yield piece
            elif not chunk_ended or content.at_eof():
                # the end of the body; a bodiless answer (HEAD, 304) has aiohttp's shared
                # EmptyStreamReader, whose readchunk says (b"", True) forever after its first
                return

    aiter_bytes = aiter_raw  # sent with Accept-Encoding: identity, so the same bytes

    async def aread(self) -> bytes:
        try:
            return await self._response.read()
        finally:
            await self.aclose()

    async def aiter_lines(self) -> AsyncIterator[bytes]:
        """Lines without their newline, however long (a row with a large document)."""
        parts: list[bytes] = []  # the line so far, joined once it ends
        async for piece in self.aiter_raw():
            start = 0
            while (end := piece.find(b"\n", start)) >= 0:
                parts.append(piece[start:end])
                yield b"".join(parts)
                parts, start = [], end + 1
            if start < len(piece):
                parts.append(piece[start:])
        if parts:
            yield b"".join(parts)

    async def aclose(self) -> None:
        # a body left unread cannot go back to the pool: drop the connection
        if self._response.content.at_eof():
            self._response.release()
        else:
            self._response.close()


class ByteStreams:
    """A connection pool to CouchDB for bytes (one aiohttp session per event loop)."""

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
                read_bufsize=1 << 20,  # a chunk's data in few pieces, not 64 KiB ones
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
        self,
        method: str,
        path: str,
        *,
        params: Any = None,
        headers: Mapping[str, str] | None = None,
        content: bytes | AsyncIterable[bytes] | None = None,
        read_timeout: float | None = None,
    ) -> StreamedResponse:
        """Send one request; the response body is left unread (stream it or read it)."""
        timeout = aiohttp.ClientTimeout(
            total=None, connect=5.0, sock_read=read_timeout or self.timeout
        )
        response = await self.session().request(
            method,
            self.url_of(path, params),
            headers=headers,
            data=content,
            timeout=timeout,
            allow_redirects=False,
        )
        return StreamedResponse(response)
