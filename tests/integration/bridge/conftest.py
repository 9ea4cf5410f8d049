"""Fixtures and helpers for the bridge's integration tests (real CouchDB-protocol server,
Orthanc, moto S3).  Studies are built from pydicom's bundled test files with fresh UIDs and
written into the clinic database the way the PWA does: chunk documents with an inline
``data`` attachment, then the sealed manifest."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import io
import math
import os
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pydicom
import pytest
from pydicom.data import get_testdata_file
from pydicom.uid import generate_uid

from couch_design_docs import names as ids
from couch_design_docs.names import DatabaseNames
from couch_design_docs.setup import setup
from pacs_bridge.main import run_bridge
from pacs_bridge.settings import BridgeSettings
from relaypacs.couch import CouchClient, Database
from relaypacs.harness.process import ManagedServer
from relaypacs.harness.servers import OrthancServer
from tests import factories as f

pytestmark = pytest.mark.integration

CLINIC = "north"
UID_ROOT = "1.2.826.0.1.3680043.8.498."
NOW = "2026-11-28T12:00:00Z"
FINAL = {"delivered", "failed", "partial"}


# -- DICOM test data --------------------------------------------------------------------------


def dicom_bytes(
    source: str,
    *,
    study_uid: str,
    series_uid: str,
    sop_uid: str | None = None,
    instance_number: int = 1,
) -> bytes:
    """A bundled pydicom test file re-identified with the given UIDs, as Part-10 bytes."""
    ds = pydicom.dcmread(get_testdata_file(source))
    ds.StudyInstanceUID = study_uid
    ds.SeriesInstanceUID = series_uid
    ds.SOPInstanceUID = sop_uid or generate_uid(prefix=UID_ROOT)
    ds.InstanceNumber = instance_number
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


@dataclass
class FileSpec:
    name: str
    data: bytes
    sop_uid: str
    series_uid: str
    study_uid: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    def uid_triple(self) -> tuple[str, str, str]:
        return self.sop_uid, self.series_uid, self.study_uid


def spec(name: str, data: bytes, *, uids: tuple[str, str, str] | None = None) -> FileSpec:
    """UIDs from the data itself unless given (non-DICOM files need them given)."""
    if uids is None:
        ds = pydicom.dcmread(io.BytesIO(data), stop_before_pixels=True)
        uids = (str(ds.SOPInstanceUID), str(ds.SeriesInstanceUID), str(ds.StudyInstanceUID))
    return FileSpec(name, data, *uids)


@dataclass
class BuiltStudy:
    study_id: str
    study_uid: str
    manifest: dict[str, Any]
    chunks: list[dict[str, Any]]
    files: list[FileSpec]
    chunk_size: int

    @property
    def sop_uids(self) -> list[str]:
        return [file.sop_uid for file in self.files]


def build_study(
    files: list[FileSpec],
    *,
    clinic: str = CLINIC,
    study_id: str | None = None,
    chunk_size: int = 64 * 1024,
    author: str = "amina",
) -> BuiltStudy:
    study_id = study_id or f"s{uuid.uuid4().hex[:15]}"
    study_uid = files[0].study_uid
    manifest_files = []
    chunks = []
    for file in files:
        sha = file.sha256
        count = max(1, math.ceil(len(file.data) / chunk_size))
        manifest_files.append(
            {
                "file_id": sha,
                "name": file.name,
                "size": len(file.data),
                "sha256": sha,
                "chunk_count": count,
                "sop_instance_uid": file.sop_uid,
                "series_instance_uid": file.series_uid,
                "study_instance_uid": file.study_uid,
                "modality": "CT",
            }
        )
        for index in range(count):
            piece = file.data[index * chunk_size : (index + 1) * chunk_size]
            chunks.append(
                {
                    "_id": ids.chunk_doc_id(study_id, sha, index),
                    "type": "chunk",
                    "schema_version": 1,
                    "study_id": study_id,
                    "file_id": sha,
                    "index": index,
                    "sha256": hashlib.sha256(piece).hexdigest(),
                    "size": len(piece),
                    "clinic": clinic,
                    "author": author,
                    "_attachments": {
                        "data": {
                            "content_type": "application/octet-stream",
                            "data": base64.b64encode(piece).decode(),
                        }
                    },
                }
            )
    manifest = f.study(
        clinic,
        _id=ids.study_doc_id(study_id),
        study_id=study_id,
        author=author,
        study={"instance_uid": study_uid, "modalities": ["CT"]},
        chunk_size=chunk_size,
        files=manifest_files,
    )
    return BuiltStudy(study_id, study_uid, manifest, chunks, files, chunk_size)


def new_study_uids() -> tuple[str, str, str]:
    """A study UID and two series UIDs."""
    study = generate_uid(prefix=UID_ROOT)
    return study, generate_uid(prefix=UID_ROOT), generate_uid(prefix=UID_ROOT)


def ct_series(count: int, study_uid: str, series_uid: str, source: str = "CT_small.dcm"):
    return [
        spec(
            f"IM{i + 1:04d}.dcm",
            dicom_bytes(source, study_uid=study_uid, series_uid=series_uid, instance_number=i + 1),
        )
        for i in range(count)
    ]


async def upload_chunks(db: Database, chunks: list[dict[str, Any]], batch: int = 20) -> None:
    for start in range(0, len(chunks), batch):
        results = await db.bulk_docs([dict(c) for c in chunks[start : start + batch]])
        errors = [r for r in results if "error" in r and r.get("error") != "conflict"]
        assert not errors, errors


async def seal(db: Database, study: BuiltStudy) -> None:
    await db.update(study.manifest["_id"], lambda current: dict(study.manifest))


async def upload_and_seal(db: Database, study: BuiltStudy) -> None:
    await upload_chunks(db, study.chunks)
    await seal(db, study)


# -- waiting ----------------------------------------------------------------------------------


async def wait_for(
    probe: Callable[[], Awaitable[Any]], within: float = 30.0, interval: float = 0.1
) -> Any:
    deadline = time.monotonic() + within
    last: Any = None
    while time.monotonic() < deadline:
        last = await probe()
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not met within {within}s (last: {last!r})")


async def status_doc(db: Database, study_id: str) -> dict[str, Any] | None:
    return await db.get_or_none(ids.status_doc_id(study_id))


async def wait_status(
    db: Database, study_id: str, states: set[str] | str, within: float = 30.0
) -> dict[str, Any]:
    wanted = {states} if isinstance(states, str) else states

    async def probe() -> dict[str, Any] | None:
        doc = await status_doc(db, study_id)
        return doc if doc and doc["state"] in wanted else None

    return await wait_for(probe, within)


# -- Orthanc ----------------------------------------------------------------------------------


class OrthancClient:
    def __init__(self, server: OrthancServer) -> None:
        self.server = server

    def http(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=self.server.url,
            auth=(self.server.username, self.server.password),
            timeout=30,
        )

    async def instance_ids(self, study_uid: str) -> list[str]:
        async with self.http() as http:
            response = await http.post(
                "/tools/find",
                json={"Level": "Instance", "Query": {"StudyInstanceUID": study_uid}},
            )
            response.raise_for_status()
            return response.json()

    async def files_by_sop(self, study_uid: str) -> dict[str, bytes]:
        out: dict[str, bytes] = {}
        async with self.http() as http:
            response = await http.post(
                "/tools/find",
                json={"Level": "Instance", "Query": {"StudyInstanceUID": study_uid}},
            )
            for orthanc_id in response.json():
                tags = (await http.get(f"/instances/{orthanc_id}/simplified-tags")).json()
                data = (await http.get(f"/instances/{orthanc_id}/file")).content
                out[tags["SOPInstanceUID"]] = data
        return out

    async def statistics(self) -> dict[str, Any]:
        async with self.http() as http:
            return (await http.get("/statistics")).json()


@pytest.fixture
def pacs(orthanc: OrthancServer) -> OrthancClient:
    if not orthanc.running():
        orthanc.start()
    return OrthancClient(orthanc)


# -- the world: databases, clinic, settings ---------------------------------------------------


def destination(orthanc: OrthancServer, name: str = "orthanc", **over: Any) -> dict[str, Any]:
    return {
        "name": name,
        "kind": "orthanc",
        "stow_url": orthanc.dicomweb_url,
        "auth": "basic",
        "username": orthanc.username,
        "secret": orthanc.password,
        "viewer_url_template": orthanc.url + "/app/explorer.html#study?uid={study_uid}",
        **over,
    }


@dataclass
class World:
    couch: CouchClient
    names: DatabaseNames
    settings: BridgeSettings
    orthanc: OrthancServer
    clinic_db: Database
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def desk(self) -> Database:
        return self.couch.db(self.names.desk)

    @property
    def bridge_db(self) -> Database:
        return self.couch.db(self.names.bridge)

    def with_settings(self, **over: Any) -> BridgeSettings:
        return BridgeSettings(_env_file=None, **{**self.settings.model_dump(), **over})


def bridge_settings(core_settings: Any, data_dir: Path, **over: Any) -> BridgeSettings:
    values: dict[str, Any] = {
        "env": "test",
        "couchdb_url": core_settings.couchdb_url,
        "couchdb_user": core_settings.couchdb_user,
        "couchdb_password": core_settings.couchdb_password,
        "db_prefix": core_settings.db_prefix,
        "data_dir": data_dir,
        "retry_base": 0.3,
        "retry_max": 1.5,
        "give_up_after": 60.0,
        "chunk_wait_timeout": 60.0,
        "sweep_interval": 2.0,
        "compact_interval": 1.0,
        "checkpoint_interval": 0.2,
        "heartbeat_ms": 1000,
        "health_interval": 0.5,
        "log_level": "INFO",
    }
    values.update(over)
    return BridgeSettings(_env_file=None, **values)


@pytest.fixture
async def world(
    couch: CouchClient,
    names: DatabaseNames,
    core_settings: Any,
    orthanc: OrthancServer,
    tmp_path: Path,
) -> World:
    if not orthanc.running():
        orthanc.start()
    await setup(couch, names, clinic_ids=[CLINIC])
    await couch.db(names.clinics).put(f.clinic(CLINIC, destinations=[destination(orthanc)]))
    settings = bridge_settings(core_settings, tmp_path / "bridge")
    return World(couch, names, settings, orthanc, couch.db(names.clinic(CLINIC)))


@contextlib.asynccontextmanager
async def running_bridge(settings: BridgeSettings) -> AsyncIterator[asyncio.Task[None]]:
    """The bridge in this event loop; stopped (gracefully) at the end."""
    stop = asyncio.Event()
    task = asyncio.create_task(run_bridge(settings, stop))
    try:
        yield task
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)


# -- the bridge as a real process (kill -9) ---------------------------------------------------


def settings_env(settings: BridgeSettings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RELAYPACS_")}
    for name, value in settings:
        if value is None:
            continue
        if hasattr(value, "get_secret_value"):
            value = value.get_secret_value()
        env[f"RELAYPACS_{name.upper()}"] = str(value)
    return env


@dataclass(kw_only=True)
class BridgeProcess(ManagedServer):
    """``python -m pacs_bridge`` as a child process; ready when it logs that it started."""

    name: str = "bridge"
    settings: BridgeSettings

    def command(self) -> list[str]:
        return [sys.executable, "-m", "pacs_bridge"]

    def environment(self) -> dict[str, str]:
        env = settings_env(self.settings)
        env["PYTHONPATH"] = str(Path(__file__).resolve().parents[3])
        return env

    starts_before: int = 0

    def prepare(self) -> None:
        self.starts_before = self.restart_count()

    def probe(self, client: httpx.Client) -> bool:
        return self.restart_count() > self.starts_before

    def restart_count(self) -> int:
        try:
            return self.log_path.read_text(errors="replace").count("bridge started")
        except OSError:
            return 0
