"""What the benchmarks share: the Node PouchDB client, and a gateway on its own CouchDB.

Each benchmark starts its own servers on free loopback ports and stops them, so a run is
self-contained and comparable: the baseline talks straight to the CouchDB-protocol server,
the measured side to the gateway in front of the same server.
"""

from __future__ import annotations

import asyncio
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from couch_design_docs.names import DatabaseNames
from couch_design_docs.setup import setup
from relaypacs.harness.servers import CouchServer, GatewayServer
from relaypacs.stack import settings_from

ROOT = Path(__file__).resolve().parent.parent
NODE_CLIENT = ROOT / "tests" / "node_client"
PASSWORD = "bench password 2026"
CLINIC = "bench"
USER = "bencher"


def rss_mb(pid: int) -> float:
    """Resident memory of one process, in MiB (0 once it has gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class PeakSampler(threading.Thread):
    """The highest value ``measure()`` gives while running, sampled every ``every`` s."""

    def __init__(self, measure: Callable[[], float], every: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.measure, self.every, self.peak = measure, every, 0.0
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            self.peak = max(self.peak, self.measure())
            time.sleep(self.every)

    def stop(self) -> float:
        self._halt.set()
        self.join()
        return self.peak


def ensure_node_client() -> None:
    """Install the test PouchDB client's packages if this checkout has not yet."""
    if not (NODE_CLIENT / "node_modules" / "pouchdb-core").is_dir():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                       cwd=NODE_CLIENT, check=True)  # fmt: skip


@dataclass
class BenchWorld:
    couch: CouchServer
    gateway: GatewayServer
    names: DatabaseNames

    @property
    def clinic_db(self) -> str:
        return self.names.clinic(CLINIC)


async def provision(env: dict[str, str], names: DatabaseNames) -> None:
    """One clinic and one clinician (``USER``/``PASSWORD``) to replicate as."""
    from sync_gateway.accounts.service import create_clinic, create_user

    settings = settings_from(env)
    async with settings.couch_client() as client:
        await setup(client, names)
        await create_clinic(client, names, CLINIC, "Bench Clinic")
        await create_user(client, names, settings, USER, PASSWORD, "clinician", CLINIC)


@contextmanager
def gateway_on_couch(prefix: str) -> Iterator[BenchWorld]:
    """A CouchDB-protocol server and a gateway in front of it, provisioned, then stopped."""
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        work = Path(tmp)
        couch = CouchServer(workdir=work / "couch", admin_password="bench-admin")
        couch.start()
        try:
            names = DatabaseNames(f"b{uuid.uuid4().hex[:6]}_")
            env = {
                "RELAYPACS_ENV": "test",
                "RELAYPACS_COUCHDB_URL": couch.url,
                "RELAYPACS_COUCHDB_USER": couch.admin_user,
                "RELAYPACS_COUCHDB_PASSWORD": couch.admin_password,
                "RELAYPACS_DB_PREFIX": names.prefix,
                "RELAYPACS_JWT_SECRET": "bench-secret-" + "x" * 32,
                "RELAYPACS_BCRYPT_ROUNDS": "4",
                "RELAYPACS_ACCESS_LOG": "false",
                "RELAYPACS_LOG_LEVEL": "WARNING",
            }
            asyncio.run(provision(env, names))
            gateway = GatewayServer(workdir=work / "gateway", env=env)
            gateway.start()
            try:
                yield BenchWorld(couch, gateway, names)
            finally:
                gateway.stop()
        finally:
            couch.stop()
