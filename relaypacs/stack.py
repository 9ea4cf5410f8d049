"""``relaypacs up``: the whole stack on one machine, for a pilot or a developer.

Starts the CouchDB-protocol server (on disk), Orthanc with DICOMweb, the gateway (which
also serves the PWA) and the bridge (local-directory object store), each on its usual port
when free or the next free one; creates the databases, a demo clinic whose studies go to
that Orthanc, and one demo user per role; prints the URLs and credentials; and stops
everything on Ctrl-C.  Secrets are generated on the first run and kept in
``DATA_DIR/secrets.json`` (mode 600), so a restart keeps the same accounts.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import secrets
import signal
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import httpx

from couch_design_docs.setup import setup
from relaypacs.harness.process import ManagedServer, port_is_free
from relaypacs.harness.servers import CouchServer, OrthancServer

DEMO_CLINIC = ("demo", "Demo Field Clinic")
DEMO_USERS = [  # username, role, clinic
    ("amina", "clinician", "demo"),
    ("rita", "radiographer", "demo"),
    ("osei", "radiologist", None),
    ("sam", "admin", None),
]


def load_secrets(data_dir: Path) -> dict[str, str]:
    path = data_dir / "secrets.json"
    values: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    wanted = ["couchdb_password", "orthanc_password", "jwt_secret"] + [
        f"password_{name}" for name, _, _ in DEMO_USERS
    ]
    for key in wanted:
        values.setdefault(key, secrets.token_urlsafe(24 if key == "jwt_secret" else 12))
    data_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(values, indent=2))
    path.chmod(0o600)
    return values


def preferred(port: int) -> int:
    return port if port_is_free(port) else 0


@dataclass(kw_only=True)
class ServiceProcess(ManagedServer):
    """A RelayPACS service (``python -m relaypacs.cli …``) with its environment."""

    args: list[str]
    health_path: str | None = "/healthz"

    def command(self) -> list[str]:
        extra = ["--port", str(self.port)] if self.health_path else []
        return [sys.executable, "-m", "relaypacs.cli", *self.args, *extra]

    def probe(self, client: httpx.Client) -> bool:
        if self.health_path is None:
            return self.running()
        return client.get(self.url + self.health_path).status_code == 200


async def provision(values: dict[str, str], orthanc: OrthancServer) -> None:
    """Databases, the demo clinic (its PACS is the local Orthanc) and one user per role."""
    from sync_gateway.accounts.service import create_clinic, create_user
    from sync_gateway.settings import GatewaySettings

    settings = GatewaySettings()
    async with settings.couch_client() as client:
        await setup(client, settings.names, clinic_ids=[DEMO_CLINIC[0]])
        clinics = client.db(settings.names.clinics)
        if await clinics.get_or_none(f"clinic:{DEMO_CLINIC[0]}") is None:
            destination = {
                "name": "orthanc",
                "kind": "orthanc",
                "stow_url": orthanc.dicomweb_url,
                "auth": "basic",
                "username": orthanc.username,
                "secret": orthanc.password,
                "viewer_url_template": orthanc.url + "/app/explorer.html#study?uuid={orthanc_id}",
            }
            await create_clinic(client, settings.names, *DEMO_CLINIC, [destination])
        users = client.db(settings.names.users)
        for username, role, clinic in DEMO_USERS:
            if await users.get_or_none(f"user:{username}") is None:
                await create_user(
                    client,
                    settings.names,
                    settings,
                    username=username,
                    password=values[f"password_{username}"],
                    role=role,
                    clinic=clinic,
                )


def run_stack(args: argparse.Namespace) -> int:
    data_dir = Path(args.data_dir).resolve()
    values = load_secrets(data_dir)
    couch = CouchServer(
        workdir=data_dir / "couchdb",
        port=preferred(5984),
        admin_password=values["couchdb_password"],
    )
    orthanc = OrthancServer(
        workdir=data_dir / "orthanc", port=preferred(8042), password=values["orthanc_password"]
    )
    started: list[ManagedServer] = []
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        for server in (couch, orthanc):
            server.start()
            started.append(server)
        env = {
            "RELAYPACS_ENV": "development",
            "RELAYPACS_COUCHDB_URL": couch.url,
            "RELAYPACS_COUCHDB_USER": couch.admin_user,
            "RELAYPACS_COUCHDB_PASSWORD": values["couchdb_password"],
            "RELAYPACS_JWT_SECRET": values["jwt_secret"],
            "RELAYPACS_DATA_DIR": str(data_dir),
            "RELAYPACS_OBJECT_STORE": "local",
            "RELAYPACS_STORE_DIR": str(data_dir / "objects"),
        }
        os.environ.update(env)  # for the settings here and the services started below
        asyncio.run(provision(values, orthanc))
        gateway = ServiceProcess(
            name="gateway",
            workdir=data_dir / "logs",
            host=args.host,
            port=preferred(args.port),
            args=["gateway", "--host", args.host],
        )
        gateway.start()
        started.append(gateway)
        if not args.no_bridge:
            bridge = ServiceProcess(
                name="bridge",
                workdir=data_dir / "logs",
                args=["bridge"],
                health_path=None,
                ready_timeout=5,
            )
            bridge.start()
            started.append(bridge)
        print_banner(gateway, couch, orthanc, values, data_dir)
        while not stop.wait(1.0):
            for server in started:
                if not server.running():
                    print(f"{server.name} stopped unexpectedly: {server.log_tail()}")
                    return 1
        return 0
    finally:
        for server in reversed(started):
            with contextlib.suppress(Exception):
                server.stop()


def print_banner(gateway, couch, orthanc, values: dict[str, str], data_dir: Path) -> None:
    lines = [
        "",
        "RelayPACS is running.",
        f"  app and API   {gateway.url}/        (API docs: {gateway.url}/api/docs)",
        f"  CouchDB       {couch.url}/          (admin / {values['couchdb_password']})",
        f"  Orthanc       {orthanc.url}/app/explorer.html "
        f"({orthanc.username} / {values['orthanc_password']})",
        f"  data          {data_dir}",
        "  demo users (clinic 'demo'):",
    ]
    for name, role, _ in DEMO_USERS:
        lines.append(f"    {role:<13} {name:<6} {values[f'password_{name}']}")
    lines.append("Press Ctrl-C to stop.")
    lines.append(f"READY {gateway.url}")
    print("\n".join(lines), flush=True)
