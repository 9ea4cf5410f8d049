"""uvicorn's HTTP protocol, sending what one event-loop step writes in one go.

uvicorn writes a response's status line and headers as soon as the app starts the response,
and its body as a separate write: two ``send`` calls for every answer, and on loopback or a
LAN two wake-ups of the reader.  The proxy answers hundreds of small requests per study
(``_changes``, ``_bulk_get``, checkpoints, one GET per chunk), so here the connection's
writes are gathered until the event loop's current step ends and leave together (one
``writelines``), the headers with the first piece of the body.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


class GatheredWrites:
    """A transport whose writes in one loop step go out together at the end of the step."""

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._pending: list[bytes] = []

    def write(self, data: bytes) -> None:
        if not self._pending:
            self._loop.call_soon(self.flush)
        self._pending.append(data)

    def flush(self) -> None:
        pending, self._pending = self._pending, []
        if pending and not self._transport.is_closing():
            self._transport.writelines(pending)

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class GatheringHttpToolsProtocol(HttpToolsProtocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(GatheredWrites(transport, self.loop))  # type: ignore[arg-type]
