"""``create_app``: the gateway as one FastAPI application."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.middleware.httpsredirect import HTTPSRedirectMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware

from sync_gateway.errors import install_handlers
from sync_gateway.metrics import MetricsMiddleware
from sync_gateway.routes import mount_sync, router
from sync_gateway.security import SecurityHeaders
from sync_gateway.settings import GatewaySettings
from sync_gateway.state import GatewayState
from sync_gateway.static import mount_pwa

DESCRIPTION = """\
The only door RelayPACS clients have to CouchDB: accounts and tokens under `/api/v1`, and
the CouchDB replication protocol under `/sync/{db}/...` (Bearer access token), scoped to the
databases and documents each role may reach.
"""


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    settings = settings or GatewaySettings()
    state = GatewayState.build(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        state.audit.start()
        try:
            yield
        finally:
            await state.audit.stop()
            await state.couch.aclose()

    app = FastAPI(
        title="RelayPACS gateway",
        version="0.1.0",
        description=DESCRIPTION,
        docs_url="/api/docs",
        openapi_url="/api/openapi.json",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.gateway = state
    install_handlers(app)
    mount_sync(app)
    app.include_router(router())
    dist = settings.pwa_directory
    if dist is not None:
        mount_pwa(app, dist)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "Accept"],
            allow_credentials=False,
            max_age=600,
        )
    if settings.trusted_hosts:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=settings.trusted_hosts)
    if settings.https_redirect:
        app.add_middleware(HTTPSRedirectMiddleware)
    app.add_middleware(SecurityHeaders)
    if settings.metrics_enabled:
        app.add_middleware(MetricsMiddleware, metrics=state.metrics)  # outermost: sees all
    return app
