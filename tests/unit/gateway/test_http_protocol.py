"""The gateway's HTTP protocol: what one event-loop step writes leaves in one go.

(Every integration and e2e test talks to the gateway through this protocol; here, the
gathering itself, on a recording transport.)
"""

from __future__ import annotations

import asyncio

from sync_gateway.http_protocol import GatheredWrites


class RecordingTransport:
    def __init__(self) -> None:
        self.sent: list[list[bytes]] = []
        self.closed = False

    def writelines(self, pieces: list[bytes]) -> None:
        self.sent.append(list(pieces))

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def get_extra_info(self, name: str) -> str:
        return f"info:{name}"


async def test_headers_and_body_written_in_one_step_leave_together() -> None:
    transport = RecordingTransport()
    gathered = GatheredWrites(transport, asyncio.get_running_loop())  # type: ignore[arg-type]
    gathered.write(b"HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\n")
    gathered.write(b"body")
    assert transport.sent == []  # not before the step ends
    await asyncio.sleep(0)
    assert transport.sent == [[b"HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\n", b"body"]]
    gathered.write(b"next")
    await asyncio.sleep(0)
    assert transport.sent[1:] == [[b"next"]]  # a later step: its own send


async def test_close_sends_what_is_pending_first_and_nothing_after() -> None:
    transport = RecordingTransport()
    gathered = GatheredWrites(transport, asyncio.get_running_loop())  # type: ignore[arg-type]
    gathered.write(b"last piece")
    gathered.close()
    assert transport.sent == [[b"last piece"]] and transport.closed
    gathered.write(b"too late")
    await asyncio.sleep(0)
    assert transport.sent == [[b"last piece"]]


async def test_everything_else_is_the_transport_s() -> None:
    transport = RecordingTransport()
    gathered = GatheredWrites(transport, asyncio.get_running_loop())  # type: ignore[arg-type]
    assert gathered.get_extra_info("peername") == "info:peername"
    assert gathered.is_closing() is False
