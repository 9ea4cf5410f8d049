"""A real gateway under uvicorn, on the CouchDB-protocol server, and a real PouchDB client.

One gateway process serves the whole session (its databases under their own prefix); each
test gets fresh clinics and users with unique names, so tests never see each other's data.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from couch_design_docs.names import DatabaseNames
from couch_design_docs.setup import setup
from relaypacs.couch import CouchClient
from relaypacs.harness.servers import GatewayServer as HarnessGatewayServer
from relaypacs.webpush import VapidKeys
from sync_gateway.accounts.service import create_clinic, create_user
from sync_gateway.settings import GatewaySettings
from tests.conftest import CouchEndpoint

NODE_CLIENT = Path(__file__).resolve().parents[2] / "node_client"
PASSWORD = "correct horse battery"
METRICS_TOKEN = "scraper-token-" + "m" * 24


@dataclass(kw_only=True)
class GatewayServer(HarnessGatewayServer):
    """Ready on ``/healthz``: some tests start it in front of a CouchDB that is down."""

    health_path: str | None = "/healthz"


def gateway_env(
    endpoint: CouchEndpoint, prefix: str, vapid: VapidKeys | None = None, **extra: str
) -> dict[str, str]:
    env = {
        "RELAYPACS_ENV": "test",
        "RELAYPACS_COUCHDB_URL": endpoint.url,
        "RELAYPACS_COUCHDB_USER": endpoint.user,
        "RELAYPACS_COUCHDB_PASSWORD": endpoint.password,
        "RELAYPACS_DB_PREFIX": prefix,
        "RELAYPACS_JWT_SECRET": "test-secret-" + "x" * 32,
        "RELAYPACS_BCRYPT_ROUNDS": "4",
        "RELAYPACS_LOGIN_RATE_LIMIT_IP": "100000/minute",
        "RELAYPACS_LOGIN_RATE_LIMIT_USER": "1000/minute",
        "RELAYPACS_REFRESH_RATE_LIMIT": "100000/minute",
        "RELAYPACS_ACCESS_LOG": "false",
        "RELAYPACS_PWA_DIST": str(Path(__file__).parent / "no-pwa"),
        "RELAYPACS_METRICS_TOKEN": METRICS_TOKEN,
        # the loopback push service of tests/push_service.py
        "RELAYPACS_PUSH_ENDPOINT_HOSTS": '["127.0.0.1"]',
        "RELAYPACS_VAPID_SUBJECT": "mailto:ops@relaypacs.test",
    }
    if vapid is not None:
        env["RELAYPACS_VAPID_PUBLIC_KEY"] = vapid.public_key
        env["RELAYPACS_VAPID_PRIVATE_KEY"] = vapid.private_key
    env.update(extra)
    return env


def gateway_settings(endpoint: CouchEndpoint, prefix: str) -> GatewaySettings:
    return GatewaySettings(
        _env_file=None,
        env="test",
        couchdb_url=endpoint.url,
        couchdb_user=endpoint.user,
        couchdb_password=endpoint.password,
        db_prefix=prefix,
        bcrypt_rounds=4,
    )


async def drop_databases(client: CouchClient, prefix: str) -> None:
    for name in await client.all_dbs():
        if name.startswith(prefix):
            await client.db(name).destroy()


@dataclass
class RunningGateway:
    server: GatewayServer
    names: DatabaseNames
    settings: GatewaySettings
    admin: CouchClient  # CouchDB admin (the tests' back door)
    vapid: VapidKeys

    @property
    def url(self) -> str:
        return self.server.url


@pytest.fixture(scope="session")
async def gateway(
    couch_endpoint: CouchEndpoint, servers_dir: Path
) -> AsyncIterator[RunningGateway]:
    prefix = f"gw{uuid.uuid4().hex[:8]}_"
    names = DatabaseNames(prefix)
    admin = couch_endpoint.client()
    await setup(admin, names)
    vapid = VapidKeys.generate()
    env = gateway_env(couch_endpoint, prefix, vapid)
    server = GatewayServer(workdir=servers_dir / "gateway", env=env)
    await asyncio.to_thread(server.start)
    try:
        settings = gateway_settings(couch_endpoint, prefix)
        yield RunningGateway(server, names, settings, admin, vapid)
    finally:
        server.stop()
        await drop_databases(admin, prefix)
        await admin.aclose()


@dataclass
class Session:
    username: str
    access_token: str
    refresh_token: str
    body: dict[str, Any]

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


@dataclass
class World:
    """Two clinics and one user of each kind, unique to one test."""

    gw: RunningGateway
    http: httpx.AsyncClient
    tag: str
    clinic: str
    other_clinic: str
    users: dict[str, tuple[str, str | None]]  # key -> (role, clinic)

    def username(self, key: str) -> str:
        return f"{key}-{self.tag}"

    def db(self, clinic: str | None = None) -> str:
        return self.gw.names.clinic(clinic or self.clinic)

    @property
    def desk(self) -> str:
        return self.gw.names.desk

    async def login(self, key: str, **extra: Any) -> Session:
        username = self.username(key)
        response = await self.http.post(
            "/api/v1/auth/login", json={"username": username, "password": PASSWORD, **extra}
        )
        assert response.status_code == 200, response.text
        body = response.json()
        return Session(username, body["access_token"], body["refresh_token"], body)


USERS = {
    "amina": ("clinician", "own"),
    "bakari": ("clinician", "own"),
    "rita": ("radiographer", "own"),
    "carl": ("clinician", "other"),
    "osei": ("radiologist", None),
    "sam": ("admin", None),
}


@pytest.fixture
async def world(gateway: RunningGateway) -> AsyncIterator[World]:
    tag = uuid.uuid4().hex[:6]
    clinic, other = f"a{tag}", f"b{tag}"
    for clinic_id in (clinic, other):
        await create_clinic(gateway.admin, gateway.names, clinic_id, f"Clinic {clinic_id}")
    users: dict[str, tuple[str, str | None]] = {}
    for key, (role, where) in USERS.items():
        clinic_id = {"own": clinic, "other": other, None: None}[where]
        users[key] = (role, clinic_id)
        await create_user(
            gateway.admin,
            gateway.names,
            gateway.settings,
            f"{key}-{tag}",
            PASSWORD,
            role,
            clinic_id,
        )
    async with httpx.AsyncClient(base_url=gateway.url, timeout=30) as http:
        yield World(gateway, http, tag, clinic, other, users)
    for clinic_id in (clinic, other):
        await gateway.admin.db(gateway.names.clinic(clinic_id)).destroy()


# -- the Node PouchDB client -------------------------------------------------------------------


@pytest.fixture(scope="session")
def node_client() -> Path:
    if not (NODE_CLIENT / "node_modules" / "pouchdb-core").is_dir():
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=NODE_CLIENT,
            check=True,
            timeout=300,
        )
    return NODE_CLIENT / "replicate.mjs"


def run_node(script: Path, *args: str, timeout: float = 120) -> dict[str, Any]:
    """Run the PouchDB client to completion; its last stdout line is the result."""
    done = subprocess.run(
        ["node", str(script), *args], capture_output=True, text=True, timeout=timeout, check=False
    )
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    assert lines, f"node printed nothing (exit {done.returncode}): {done.stderr[-2000:]}"
    return json.loads(lines[-1])


@pytest.fixture
def pouch(node_client: Path) -> Iterator[Any]:
    def run(*args: str, timeout: float = 120) -> dict[str, Any]:
        return run_node(node_client, *args, timeout=timeout)

    yield run
