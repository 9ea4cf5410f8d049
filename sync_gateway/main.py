"""Run the gateway under uvicorn (``relaypacs gateway`` calls :func:`serve`)."""

from __future__ import annotations

import argparse
import ctypes
import logging

import uvicorn
from fastapi import FastAPI

from sync_gateway.app import create_app
from sync_gateway.http_protocol import GatheringHttpToolsProtocol
from sync_gateway.settings import GatewaySettings

M_TRIM_THRESHOLD = -1  # glibc <malloc.h>
M_MMAP_THRESHOLD = -3


def bound_malloc() -> None:
    """Big buffers in their own mappings, freed heap kept for reuse (glibc only; else a no-op).

    glibc raises its mmap threshold after freeing a big block, after which request bodies
    of several MiB are carved from the heap and RSS keeps its high-water mark; pinning the
    threshold keeps the gateway's memory flat under a stream of large ``_bulk_docs``.  At
    4 MiB rather than lower: the pieces the proxy relays (up to a 1 MiB chunk, a 1.4 MB
    document) stay in the heap and are reused — mapping and faulting in each one cost a
    quarter of the gateway's CPU relaying chunk attachments (22-26 ms per 10 MiB at 4 MiB,
    31-32 ms at 256 KiB; RSS growth under ``python -m bench gateway`` 20 MB either way).

    Up to 32 MiB freed at the top of the heap is kept rather than handed back: with the
    threshold pinned, glibc's trim threshold stays at 128 KiB, so every ~14 MB batch was
    returned to the kernel as it was freed and faulted in again, zeroed, by the next one —
    cutting a batch into its documents took 13-16 ms instead of 5 ms, and the gateway's CPU
    for a 100-chunk push fell from 0.51-0.63 s to 0.43-0.51 s with the memory kept.
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(M_MMAP_THRESHOLD, 4 * 1024 * 1024)
        libc.mallopt(M_TRIM_THRESHOLD, 32 * 1024 * 1024)
    except (OSError, AttributeError):
        pass


def serve(settings: GatewaySettings, host: str = "127.0.0.1", port: int = 8080) -> None:
    bound_malloc()
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(levelname)s %(name)s %(message)s"
    )
    uvicorn.run(
        create_app(settings),
        host=host,
        port=port,
        log_level=settings.log_level.lower(),
        access_log=settings.access_log,
        proxy_headers=True,
        timeout_keep_alive=30,
        http=GatheringHttpToolsProtocol,
    )


def app() -> FastAPI:
    """Factory for ``uvicorn --factory sync_gateway.main:app`` (settings from the environment)."""
    return create_app(GatewaySettings())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run the RelayPACS gateway.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    args = parser.parse_args(argv)
    serve(GatewaySettings(), host=args.host, port=args.port)


if __name__ == "__main__":
    main()
