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
import secrets
import signal
import threading
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from couch_design_docs.setup import setup
from relaypacs.harness.process import ManagedServer, port_is_free
from relaypacs.harness.servers import BridgeProcess, CouchServer, GatewayServer, OrthancServer

T = TypeVar("T")

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
    wanted = ["couchdb_password", "orthanc_password", "jwt_secret", "totp_key"] + [
        f"password_{name}" for name, _, _ in DEMO_USERS
    ]
    for key in wanted:
        long = key in ("jwt_secret", "totp_key")
        values.setdefault(key, secrets.token_urlsafe(24 if long else 12))
    data_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(values, indent=2))
    path.chmod(0o600)
    return values


def preferred(port: int) -> int:
    return port if port_is_free(port) else 0


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run``, in a thread of its own when this one already runs an event loop
    (e.g. under Playwright's sync API in the browser tests)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


def settings_from(env: dict[str, str]):
    """Gateway settings from an environment dict, without touching ``os.environ``."""
    from sync_gateway.settings import GatewaySettings

    fields = {k.removeprefix("RELAYPACS_").lower(): v for k, v in env.items()}
    return GatewaySettings(_env_file=None, **fields)


async def provision(env: dict[str, str], values: dict[str, str], orthanc: OrthancServer) -> None:
    """Databases, the demo clinic (its PACS is the local Orthanc) and one user per role."""
    from sync_gateway.accounts.service import create_clinic, create_user

    settings = settings_from(env)
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
                "viewer_url_template": f"{orthanc.url}/app/explorer.html#study?uuid={{orthanc_id}}",
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


@dataclass(kw_only=True)
class Stack:
    """CouchDB-protocol server, Orthanc, gateway and bridge, provisioned with demo accounts.

    ``relaypacs up`` runs one; the browser tests run one on the servers the test session
    already started (pass ``couch_url``/``orthanc``) with their own database prefix.
    """

    data_dir: Path
    host: str = "127.0.0.1"
    gateway_port: int = 8080
    bridge: bool = True
    env: dict[str, str] = field(default_factory=dict)  # extra RELAYPACS_* settings
    couch_url: str | None = None  # an already running CouchDB (with couch_user/password)
    couch_user: str = "admin"
    couch_password: str | None = None
    orthanc: OrthancServer | None = None
    processes: list[ManagedServer] = field(default_factory=list)

    def start(self) -> Stack:
        self.data_dir = self.data_dir.resolve()
        self.secrets = load_secrets(self.data_dir)
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        if self.couch_url is None:
            couch = CouchServer(
                workdir=self.data_dir / "couchdb",
                port=preferred(5984),
                admin_password=self.secrets["couchdb_password"],
            )
            self._run(couch)
            self.couch_url, self.couch_password = couch.url, couch.admin_password
        if self.orthanc is None:
            self.orthanc = OrthancServer(
                workdir=self.data_dir / "orthanc",
                port=preferred(8042),
                password=self.secrets["orthanc_password"],
            )
            self._run(self.orthanc)
        self.service_env = {
            "RELAYPACS_ENV": "development",
            "RELAYPACS_COUCHDB_URL": self.couch_url,
            "RELAYPACS_COUCHDB_USER": self.couch_user,
            "RELAYPACS_COUCHDB_PASSWORD": self.couch_password or "",
            "RELAYPACS_JWT_SECRET": self.secrets["jwt_secret"],
            "RELAYPACS_TOTP_KEY": self.secrets["totp_key"],
            "RELAYPACS_DATA_DIR": str(self.data_dir),
            "RELAYPACS_OBJECT_STORE": "local",
            "RELAYPACS_STORE_DIR": str(self.data_dir / "objects"),
            **self.env,
        }
        run_async(provision(self.service_env, self.secrets, self.orthanc))
        logs = self.data_dir / "logs"
        self.gateway = GatewayServer(
            workdir=logs, host=self.host, port=preferred(self.gateway_port), env=self.service_env
        )
        self._run(self.gateway)
        if self.bridge:
            self._run(BridgeProcess(workdir=logs, env=self.service_env))

    def _run(self, server: ManagedServer) -> None:
        server.start()
        self.processes.append(server)

    def dead(self) -> ManagedServer | None:
        """The first process that stopped on its own, if any."""
        return next((p for p in self.processes if not p.running()), None)

    def stop(self) -> None:
        for server in reversed(self.processes):
            with contextlib.suppress(Exception):
                server.stop()
        self.processes.clear()


def run_stack(args: argparse.Namespace) -> int:
    stack = Stack(data_dir=Path(args.data_dir), host=args.host, gateway_port=args.port,
                  bridge=not args.no_bridge)  # fmt: skip
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stack.start()
    try:
        print_banner(stack)
        while not stop.wait(1.0):
            if (dead := stack.dead()) is not None:
                print(f"{dead.name} stopped unexpectedly: {dead.log_tail()}", flush=True)
                return 1
        return 0
    finally:
        stack.stop()


def print_banner(stack: Stack) -> None:
    gateway, orthanc, values = stack.gateway, stack.orthanc, stack.secrets
    assert orthanc is not None
    lines = [
        "",
        "RelayPACS is running.",
        f"  app and API   {gateway.url}/        (API docs: {gateway.url}/api/docs)",
        f"  CouchDB       {stack.couch_url}/   ({stack.couch_user} / {stack.couch_password})",
        f"  Orthanc       {orthanc.url}/app/explorer.html "
        f"({orthanc.username} / {orthanc.password})",
        f"  data          {stack.data_dir}",
        "  demo users (clinic 'demo'):",
    ]
    for name, role, _ in DEMO_USERS:
        lines.append(f"    {role:<13} {name:<6} {values[f'password_{name}']}")
    lines.append("Press Ctrl-C to stop.")
    lines.append(f"READY {gateway.url}")
    print("\n".join(lines), flush=True)
