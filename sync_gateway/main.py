"""Run the gateway under uvicorn (``relaypacs gateway`` calls :func:`serve`)."""

from __future__ import annotations

import argparse
import logging

import uvicorn
from fastapi import FastAPI

from sync_gateway.app import create_app
from sync_gateway.settings import GatewaySettings


def serve(settings: GatewaySettings, host: str = "127.0.0.1", port: int = 8080) -> None:
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
