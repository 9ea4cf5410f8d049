"""Sign-in, tokens and sessions against the running gateway."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from pathlib import Path

import httpx
import pyotp
import pytest

from couch_design_docs.names import user_doc_id
from sync_gateway.auth.tokens import TokenService
from tests.conftest import CouchEndpoint
from tests.integration.gateway.conftest import (
    PASSWORD,
    GatewayServer,
    World,
    gateway_env,
)

pytestmark = pytest.mark.integration


async def me(world: World, token: str) -> httpx.Response:
    return await world.http.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})


async def test_wrong_password_and_unknown_user_are_401(world: World) -> None:
    for username, password in [
        (world.username("amina"), "wrong password!"),
        ("nobody-" + world.tag, PASSWORD),
        ("", ""),
    ]:
        response = await world.http.post(
            "/api/v1/auth/login", json={"username": username, "password": password}
        )
        assert response.status_code == 401
        assert set(response.json()) == {"error", "reason"}


async def test_expired_tampered_and_foreign_tokens_are_refused(world: World) -> None:
    amina = await world.login("amina")
    claims = TokenService("test-secret-" + "x" * 32, access_seconds=60, refresh_seconds=60).decode(
        amina.access_token, "access"
    )
    issuer = TokenService("test-secret-" + "x" * 32, access_seconds=60, refresh_seconds=60)
    expired = issuer.issue(
        "access",
        sub=claims.sub,
        role=claims.role,
        clinic=claims.clinic,
        tv=claims.tv,
        fam=claims.fam,
        now=time.time() - 3600,
    )
    response = await me(world, expired)
    assert response.status_code == 401 and response.json()["error"] == "token_expired"
    head, payload, sig = amina.access_token.split(".")
    tampered = f"{head}.{payload[:-2]}{'A' if payload[-2] != 'A' else 'B'}{payload[-1]}.{sig}"
    assert (await me(world, tampered)).status_code == 401
    foreign = TokenService(
        "another-secret-" + "y" * 32, access_seconds=60, refresh_seconds=60
    ).issue("access", sub=claims.sub, role="admin", clinic=None, tv=claims.tv, fam=claims.fam)
    assert (await me(world, foreign)).status_code == 401
    assert (await me(world, amina.refresh_token)).status_code == 401  # wrong type
    assert (await me(world, amina.access_token)).status_code == 200


async def test_logout_ends_the_session(world: World) -> None:
    amina = await world.login("amina")
    other_device = await world.login("amina")
    response = await world.http.post("/api/v1/auth/logout", headers=amina.headers)
    assert response.status_code == 204
    assert (await me(world, amina.access_token)).status_code == 401
    sync = await world.http.get(f"/sync/{world.db()}", headers=amina.headers)
    assert sync.status_code == 401
    refreshed = await world.http.post(
        "/api/v1/auth/refresh", json={"refresh_token": amina.refresh_token}
    )
    assert refreshed.status_code == 401
    assert (await me(world, other_device.access_token)).status_code == 200


async def test_refresh_rotates_and_reuse_revokes_the_family(world: World) -> None:
    amina = await world.login("amina")
    first = await world.http.post(
        "/api/v1/auth/refresh", json={"refresh_token": amina.refresh_token}
    )
    assert first.status_code == 200, first.text
    body = first.json()
    assert set(body) == {"access_token", "refresh_token", "token_type", "expires_in", "user"}
    assert body["refresh_token"] != amina.refresh_token
    assert (await me(world, body["access_token"])).status_code == 200
    # the old refresh token again: theft; the whole family dies
    replay = await world.http.post(
        "/api/v1/auth/refresh", json={"refresh_token": amina.refresh_token}
    )
    assert replay.status_code == 401 and replay.json()["error"] == "token_reused"
    assert (await me(world, body["access_token"])).status_code == 401
    newest = await world.http.post(
        "/api/v1/auth/refresh", json={"refresh_token": body["refresh_token"]}
    )
    assert newest.status_code == 401


async def test_disabled_user_stops_at_once(world: World) -> None:
    amina = await world.login("amina")
    sam = await world.login("sam")
    assert (await world.http.get(f"/sync/{world.db()}", headers=amina.headers)).status_code == 200
    response = await world.http.post(
        f"/api/v1/admin/users/{amina.username}/disable", headers=sam.headers
    )
    assert response.status_code == 200 and response.json()["active"] is False
    assert (await world.http.get(f"/sync/{world.db()}", headers=amina.headers)).status_code == 401
    refreshed = await world.http.post(
        "/api/v1/auth/refresh", json={"refresh_token": amina.refresh_token}
    )
    assert refreshed.status_code == 401
    login = await world.http.post(
        "/api/v1/auth/login", json={"username": amina.username, "password": PASSWORD}
    )
    assert login.status_code == 401 and login.json()["error"] == "account_disabled"
    await world.http.post(f"/api/v1/admin/users/{amina.username}/enable", headers=sam.headers)
    assert (await world.login("amina")).access_token


async def test_totp_enrol_confirm_and_login(world: World) -> None:
    amina = await world.login("amina")
    enrol = await world.http.post("/api/v1/auth/totp/enrol", headers=amina.headers)
    assert enrol.status_code == 200
    secret = enrol.json()["secret"]
    assert enrol.json()["otpauth_uri"].startswith("otpauth://totp/")
    wrong = await world.http.post(
        "/api/v1/auth/totp/confirm", json={"code": "000000"}, headers=amina.headers
    )
    assert wrong.status_code in (422, 200) and (
        wrong.status_code == 422 or pyotp.TOTP(secret).now() == "000000"
    )
    if wrong.status_code == 422:
        assert wrong.json()["error"] == "totp_invalid"
    confirm = await world.http.post(
        "/api/v1/auth/totp/confirm", json={"code": pyotp.TOTP(secret).now()}, headers=amina.headers
    )
    assert confirm.status_code == 200, confirm.text
    codes = confirm.json()["recovery_codes"]
    assert len(codes) == 10

    url = "/api/v1/auth/login"
    creds = {"username": amina.username, "password": PASSWORD}
    missing = await world.http.post(url, json=creds)
    assert missing.status_code == 401 and missing.json()["error"] == "totp_required"
    bad = await world.http.post(url, json={**creds, "totp_code": "12345x"})
    assert bad.status_code == 401 and bad.json()["error"] == "totp_required"
    # the confirming code is spent: the next step's code signs in (the window allows it)
    spent = await world.http.post(url, json={**creds, "totp_code": pyotp.TOTP(secret).now()})
    assert spent.status_code == 401 and "used already" in spent.json()["reason"]
    code = pyotp.TOTP(secret).at(time.time() + 30)
    good = await world.http.post(url, json={**creds, "totp_code": code})
    assert good.status_code == 200, good.text
    assert good.json()["user"]["totp_enabled"] is True
    replay = await world.http.post(url, json={**creds, "totp_code": code})
    assert replay.status_code == 401  # a code works once (RFC 6238 §5.2)
    stored = await world.gw.admin.db(world.gw.names.users).get(user_doc_id(amina.username))
    assert stored["totp"]["secret"].startswith("fernet:")  # sealed at rest
    assert secret not in json.dumps(stored)
    recovery = await world.http.post(url, json={**creds, "totp_code": codes[0]})
    assert recovery.status_code == 200
    again = await world.http.post(url, json={**creds, "totp_code": codes[0]})
    assert again.status_code == 401  # one use only

    sam = await world.login("sam")
    reset = await world.http.post(
        f"/api/v1/admin/users/{amina.username}/totp/reset", headers=sam.headers
    )
    assert reset.status_code == 200 and reset.json()["totp_enabled"] is False
    assert (await world.http.post(url, json=creds)).status_code == 200


async def test_repeated_failures_lock_the_account(world: World) -> None:
    url = "/api/v1/auth/login"
    username = world.username("bakari")
    for _ in range(world.gw.settings.lockout_threshold):
        response = await world.http.post(
            url, json={"username": username, "password": "nope nope nope"}
        )
        assert response.status_code == 401
    locked = await world.http.post(url, json={"username": username, "password": PASSWORD})
    assert locked.status_code == 401 and locked.json()["error"] == "account_locked"
    sam = await world.login("sam")
    response = await world.http.post(
        f"/api/v1/admin/users/{username}/password",
        json={"password": "a new long passphrase"},
        headers=sam.headers,
    )
    assert response.status_code == 200
    unlocked = await world.http.post(
        url, json={"username": username, "password": "a new long passphrase"}
    )
    assert unlocked.status_code == 200


@pytest.mark.parametrize(
    ("password", "fragment"),
    [("", "empty"), ("short", "at least"), ("x" * 73, "72 bytes"), ("password123", "easy")],
)
async def test_weak_passwords_are_422(world: World, password: str, fragment: str) -> None:
    sam = await world.login("sam")
    response = await world.http.post(
        "/api/v1/admin/users",
        json={
            "username": f"new-{uuid.uuid4().hex[:6]}",
            "password": password,
            "role": "clinician",
            "clinic": world.clinic,
        },
        headers=sam.headers,
    )
    assert response.status_code == 422, response.text
    assert fragment in response.json()["reason"]


async def test_admin_creates_clinic_and_user(world: World) -> None:
    sam = await world.login("sam")
    clinic_id = f"c{uuid.uuid4().hex[:6]}"
    response = await world.http.post(
        "/api/v1/admin/clinics",
        json={
            "clinic_id": clinic_id,
            "name": "New Clinic",
            "destinations": [
                {
                    "name": "orthanc",
                    "stow_url": "http://pacs/dicom-web",
                    "auth": "basic",
                    "username": "u",
                    "secret": "s3cret",
                }
            ],
        },
        headers=sam.headers,
    )
    assert response.status_code == 201, response.text
    assert "secret" not in response.json()["destinations"][0]
    assert await world.gw.admin.db(world.gw.names.clinic(clinic_id)).exists()
    again = await world.http.post(
        "/api/v1/admin/clinics", json={"clinic_id": clinic_id, "name": "x"}, headers=sam.headers
    )
    assert again.status_code == 409
    updated = await world.http.put(
        f"/api/v1/admin/clinics/{clinic_id}/destinations",
        json=[{"name": "dcm4chee", "kind": "dcm4chee", "stow_url": "http://d/rs"}],
        headers=sam.headers,
    )
    assert updated.status_code == 200 and updated.json()["destinations"][0]["name"] == "dcm4chee"
    username = f"nurse-{uuid.uuid4().hex[:6]}"
    created = await world.http.post(
        "/api/v1/admin/users",
        json={
            "username": username,
            "password": PASSWORD,
            "role": "radiographer",
            "clinic": clinic_id,
        },
        headers=sam.headers,
    )
    assert created.status_code == 201, created.text
    listed = await world.http.get(f"/api/v1/admin/users?clinic={clinic_id}", headers=sam.headers)
    assert [u["username"] for u in listed.json()] == [username]
    assert "password_hash" not in listed.text
    await world.gw.admin.db(world.gw.names.clinic(clinic_id)).destroy()


async def test_rate_limit_answers_429_with_retry_after(
    couch_endpoint: CouchEndpoint, servers_dir: Path, world: World
) -> None:
    env = gateway_env(
        couch_endpoint,
        world.gw.names.prefix,
        RELAYPACS_LOGIN_RATE_LIMIT_IP="100/minute",
        RELAYPACS_LOGIN_RATE_LIMIT_USER="3/minute",
    )
    server = GatewayServer(name="gateway-limits", workdir=servers_dir / "gateway-limits", env=env)
    await asyncio.to_thread(server.start)
    try:
        async with httpx.AsyncClient(base_url=server.url) as http:
            creds = {"username": world.username("rita"), "password": "wrong wrong wrong"}
            statuses = [
                (await http.post("/api/v1/auth/login", json=creds)).status_code for _ in range(4)
            ]
            assert statuses == [401, 401, 401, 429]
            limited = await http.post("/api/v1/auth/login", json=creds)
            assert limited.status_code == 429
            assert int(limited.headers["retry-after"]) >= 1
            assert limited.json()["error"] == "too_many_requests"
    finally:
        server.stop()


async def test_couchdb_down_is_503_json(servers_dir: Path, couch_endpoint: CouchEndpoint) -> None:
    from relaypacs.harness.process import free_port

    dead = CouchEndpoint(f"http://127.0.0.1:{free_port()}", "admin", "x", None)
    env = gateway_env(dead, "dead_")
    server = GatewayServer(name="gateway-dead", workdir=servers_dir / "gateway-dead", env=env)
    await asyncio.to_thread(server.start)
    try:
        async with httpx.AsyncClient(base_url=server.url) as http:
            ready = await http.get("/readyz")
            assert ready.status_code == 503
            login = await http.post(
                "/api/v1/auth/login", json={"username": "amina", "password": PASSWORD}
            )
            assert login.status_code == 503
            assert login.json()["error"] == "service_unavailable"
            assert "Traceback" not in login.text
            health = await http.get("/healthz")
            assert health.status_code == 200
    finally:
        server.stop()
