"""``/api/v1/auth/*``: sign-in, refresh, logout, the current user, TOTP."""

from __future__ import annotations

from typing import Any

from fastapi import Response
from pydantic import BaseModel, Field

from sync_gateway.deps import ClientIP, CurrentAuth, State


class LoginBody(BaseModel):
    username: str = Field(max_length=64)
    password: str = Field(max_length=1024)
    totp_code: str | None = Field(default=None, max_length=64)


class RefreshBody(BaseModel):
    refresh_token: str = Field(max_length=4096)


class CodeBody(BaseModel):
    code: str = Field(max_length=64)


async def login(body: LoginBody, state: State, ip: ClientIP) -> dict[str, Any]:
    return await state.auth.login(body.username, body.password, body.totp_code, ip)


async def refresh(body: RefreshBody, state: State, ip: ClientIP) -> dict[str, Any]:
    return await state.auth.refresh(body.refresh_token, ip)


async def logout(auth: CurrentAuth, state: State, ip: ClientIP) -> Response:
    await state.auth.logout(auth, ip)
    return Response(status_code=204)


async def me(auth: CurrentAuth, state: State) -> dict[str, Any]:
    return state.auth.me(auth.user)


async def totp_enrol(auth: CurrentAuth, state: State) -> dict[str, str]:
    return await state.auth.totp_enrol(auth)


async def totp_confirm(body: CodeBody, auth: CurrentAuth, state: State, ip: ClientIP):
    return await state.auth.totp_confirm(auth, body.code, ip)
