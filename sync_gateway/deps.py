"""Typed dependencies for handlers (as the FastAPI template's ``api/deps.py``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from couch_design_docs.models import Role
from relaypacs.couch import CouchClient
from sync_gateway.auth.service import Authenticated
from sync_gateway.errors import Forbidden, Unauthorized
from sync_gateway.state import GatewayState


async def get_state(request: Request) -> GatewayState:
    return request.app.state.gateway


State = Annotated[GatewayState, Depends(get_state)]


async def get_couch(state: State) -> CouchClient:
    return state.couch


CouchDep = Annotated[CouchClient, Depends(get_couch)]


async def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


ClientIP = Annotated[str, Depends(client_ip)]


async def bearer_auth(request: Request, state: GatewayState) -> Authenticated:
    """The request's user, from ``Authorization: Bearer <access token>`` (else 401)."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized(
            "sign in first (Authorization: Bearer <access token>)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return await state.auth.authenticate(token.strip())


async def current_auth(request: Request, state: State) -> Authenticated:
    return await bearer_auth(request, state)


CurrentAuth = Annotated[Authenticated, Depends(current_auth)]


async def admin_auth(auth: CurrentAuth) -> Authenticated:
    if auth.user.get("role") != Role.admin:
        raise Forbidden("administrators only")
    return auth


AdminAuth = Annotated[Authenticated, Depends(admin_auth)]
