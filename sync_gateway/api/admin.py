"""``/api/v1/admin/*``: users and clinics (administrators only; see ``routes.py``)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from couch_design_docs.models import Destination, Role
from sync_gateway.accounts import service
from sync_gateway.deps import AdminAuth, ClientIP, State
from sync_gateway.errors import NotFound


class NewUser(BaseModel):
    username: str = Field(max_length=64)
    password: str = Field(max_length=1024)
    role: Role
    clinic: str | None = None
    email: str | None = Field(default=None, max_length=254)


class NewPassword(BaseModel):
    password: str = Field(max_length=1024)


class NewClinic(BaseModel):
    clinic_id: str = Field(max_length=40)
    name: str = Field(max_length=256)
    destinations: list[Destination] = Field(default_factory=list)


class ClinicChange(BaseModel):
    name: str | None = Field(default=None, max_length=256)
    destinations: list[Destination] | None = None
    active: bool | None = None


def _audit(state: State, admin: AdminAuth, action: str, target: str, ip: str) -> None:
    state.audit.record(admin.user["username"], action, role="admin", doc_ids=[target], ip=ip)


async def list_users(admin: AdminAuth, state: State, clinic: str | None = None) -> list[dict]:
    return await service.list_users(state.couch, state.names, clinic=clinic)


async def create_user(body: NewUser, admin: AdminAuth, state: State, ip: ClientIP) -> dict:
    user = await service.create_user(
        state.couch,
        state.names,
        state.settings,
        body.username,
        body.password,
        body.role,
        body.clinic,
        body.email,
    )
    _audit(state, admin, "user_create", f"user:{body.username}", ip)
    return user


async def get_user(username: str, admin: AdminAuth, state: State) -> dict:
    for user in await service.list_users(state.couch, state.names):
        if user["username"] == username:
            return user
    raise NotFound(f"no user {username}")


async def disable_user(username: str, admin: AdminAuth, state: State, ip: ClientIP) -> dict:
    user = await service.set_active(state.couch, state.names, username, False)
    _audit(state, admin, "user_disable", f"user:{username}", ip)
    return user


async def enable_user(username: str, admin: AdminAuth, state: State, ip: ClientIP) -> dict:
    user = await service.set_active(state.couch, state.names, username, True)
    _audit(state, admin, "user_enable", f"user:{username}", ip)
    return user


async def reset_password(
    username: str, body: NewPassword, admin: AdminAuth, state: State, ip: ClientIP
) -> dict:
    user = await service.reset_password(
        state.couch, state.names, state.settings, username, body.password
    )
    _audit(state, admin, "user_reset_password", f"user:{username}", ip)
    return user


async def reset_totp(username: str, admin: AdminAuth, state: State, ip: ClientIP) -> dict:
    user = await service.reset_totp(state.couch, state.names, username)
    _audit(state, admin, "user_reset_totp", f"user:{username}", ip)
    return user


async def list_clinics(admin: AdminAuth, state: State) -> list[dict[str, Any]]:
    return await service.list_clinics(state.couch, state.names)


async def create_clinic(body: NewClinic, admin: AdminAuth, state: State, ip: ClientIP) -> dict:
    clinic = await service.create_clinic(
        state.couch, state.names, body.clinic_id, body.name, body.destinations
    )
    _audit(state, admin, "clinic_create", f"clinic:{body.clinic_id}", ip)
    return clinic


async def update_clinic(
    clinic_id: str, body: ClinicChange, admin: AdminAuth, state: State, ip: ClientIP
) -> dict:
    clinic = await service.update_clinic(
        state.couch,
        state.names,
        clinic_id,
        name=body.name,
        destinations=body.destinations,
        active=body.active,
    )
    _audit(state, admin, "clinic_update", f"clinic:{clinic_id}", ip)
    return clinic


async def set_destinations(
    clinic_id: str, body: list[Destination], admin: AdminAuth, state: State, ip: ClientIP
) -> dict:
    clinic = await service.update_clinic(state.couch, state.names, clinic_id, destinations=body)
    _audit(state, admin, "clinic_destinations", f"clinic:{clinic_id}", ip)
    return clinic
