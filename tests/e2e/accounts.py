"""Users created the way sam creates them: through the gateway's admin API."""

from __future__ import annotations

import secrets
import uuid

import httpx

from relaypacs.stack import Stack


def create_user(stack: Stack, name: str, role: str, clinic: str | None = None) -> tuple[str, str]:
    """A new user ``<name><random>`` with a random password, created by sam."""
    gateway = stack.gateway.url
    login = httpx.post(
        f"{gateway}/api/v1/auth/login",
        json={"username": "sam", "password": stack.secrets["password_sam"]},
    )
    assert login.status_code == 200, login.text
    username, password = f"{name}{uuid.uuid4().hex[:6]}", secrets.token_urlsafe(16)
    body = {"username": username, "password": password, "role": role}
    if clinic is not None:
        body["clinic"] = clinic
    created = httpx.post(
        f"{gateway}/api/v1/admin/users",
        json=body,
        headers={"Authorization": f"Bearer {login.json()['access_token']}"},
    )
    assert created.status_code == 201, created.text
    return username, password
