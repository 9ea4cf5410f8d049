"""The real servers RelayPACS runs on one machine: CouchDB-protocol server, Orthanc, S3."""

from __future__ import annotations

import json
import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from relaypacs.harness.process import ManagedServer

COUCH_SERVER_DIR = Path(__file__).parent / "couch_server"
ORTHANC_BIN = "/usr/sbin/Orthanc"
DICOMWEB_PLUGIN = "/usr/share/orthanc/plugins/libOrthancDicomWeb.so"


@dataclass(kw_only=True)
class CouchServer(ManagedServer):
    """PouchDB Server's engine (express-pouchdb) persisting to ``workdir/data``."""

    name: str = "couchdb"
    admin_user: str = "admin"
    admin_password: str = "admin"  # noqa: S105 - loopback dev default; `up` generates one
    memory: bool = False

    def command(self) -> list[str]:
        node = shutil.which("node") or "node"
        cmd = [
            node,
            str(COUCH_SERVER_DIR / "server.js"),
            "--host", self.host,
            "--port", str(self.port),
            "--data-dir", str(self.workdir / "data"),
            "--admin-user", self.admin_user,
            "--admin-password", self.admin_password,
        ]  # fmt: skip
        if self.memory:
            cmd.append("--memory")
        return cmd

    def probe(self, client: httpx.Client) -> bool:
        return client.get(self.url + "/").status_code == 200


@dataclass(kw_only=True)
class OrthancServer(ManagedServer):
    """Debian's Orthanc with the DICOMweb plugin, own storage, HTTP basic auth."""

    name: str = "orthanc"
    username: str = "relaypacs"
    password: str = "orthanc-dev"  # noqa: S105 - loopback dev default; `up` generates one
    ready_timeout: float = 60.0

    @property
    def dicomweb_url(self) -> str:
        return f"{self.url}/dicom-web"

    @property
    def config_path(self) -> Path:
        return self.workdir / "orthanc.json"

    def prepare(self) -> None:
        storage = self.workdir / "storage"
        storage.mkdir(parents=True, exist_ok=True)
        config = {
            "Name": "RelayPACS-Orthanc",
            "HttpPort": self.port,
            "StorageDirectory": str(storage),
            "IndexDirectory": str(storage),
            "DicomServerEnabled": False,
            "RemoteAccessAllowed": False,
            "AuthenticationEnabled": True,
            "RegisteredUsers": {self.username: self.password},
            "HttpCompressionEnabled": False,
            "StorageCompression": False,
            "Plugins": [DICOMWEB_PLUGIN],
            "DicomWeb": {"Enable": True, "Root": "/dicom-web/", "StudiesMetadata": "Full"},
        }
        self.config_path.write_text(json.dumps(config, indent=2))

    def command(self) -> list[str]:
        return [ORTHANC_BIN, f"--logfile={self.workdir / 'orthanc-internal.log'}",
                str(self.config_path)]  # fmt: skip

    def probe(self, client: httpx.Client) -> bool:
        response = client.get(self.url + "/system", auth=(self.username, self.password))
        return response.status_code == 200


@dataclass(kw_only=True)
class S3Server(ManagedServer):
    """moto's S3 server (in memory), path-style addressing."""

    name: str = "s3"
    access_key: str = "relaypacs"
    secret_key: str = "relaypacs-secret"  # noqa: S105 - moto accepts any key

    def command(self) -> list[str]:
        moto = shutil.which("moto_server") or str(Path(sys.executable).parent / "moto_server")
        return [moto, "-H", self.host, "-p", str(self.port)]

    def probe(self, client: httpx.Client) -> bool:
        return client.get(self.url + "/moto-api/").status_code == 200


@dataclass(kw_only=True)
class ServiceProcess(ManagedServer):
    """A RelayPACS service, ``python -m relaypacs.cli ARGS``, with its own environment."""

    args: list[str]
    env: dict[str, str] = field(default_factory=dict)
    health_path: str | None = "/readyz"  # None: no HTTP side, ready once it runs

    def command(self) -> list[str]:
        extra = ["--host", self.host, "--port", str(self.port)] if self.health_path else []
        return [sys.executable, "-m", "relaypacs.cli", *self.args, *extra]

    def environment(self) -> dict[str, str]:
        return {**os.environ, **self.env}

    def probe(self, client: httpx.Client) -> bool:
        if self.health_path is None:
            return self.running()
        return client.get(self.url + self.health_path).status_code == 200


@dataclass(kw_only=True)
class GatewayServer(ServiceProcess):
    """The gateway under uvicorn, ready once ``/readyz`` (which checks CouchDB) answers."""

    name: str = "gateway"
    args: list[str] = field(default_factory=lambda: ["gateway"])


@dataclass(kw_only=True)
class BridgeProcess(ServiceProcess):
    """The bridge daemon (no HTTP side)."""

    name: str = "bridge"
    args: list[str] = field(default_factory=lambda: ["bridge"])
    health_path: str | None = None
    ready_timeout: float = 5.0
