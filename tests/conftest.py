"""Shared fixtures: real servers once per session, fresh databases per test.

Servers come from ``relaypacs.harness``: a CouchDB-protocol server (or the real CouchDB 3
named by ``RELAYPACS_COUCHDB_URL``), Orthanc with DICOMweb, and moto's S3 server.  Each
test gets its own database prefix, so tests never see each other's documents, and its
databases are deleted afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from couch_design_docs.names import DatabaseNames
from relaypacs.couch import CouchClient
from relaypacs.harness.servers import CouchServer, OrthancServer, S3Server
from relaypacs.settings import CoreSettings


@dataclass
class CouchEndpoint:
    url: str
    user: str
    password: str
    server: CouchServer | None  # None when a real CouchDB was given by URL

    def client(self, **kwargs: object) -> CouchClient:
        return CouchClient(self.url, self.user, self.password, **kwargs)  # type: ignore[arg-type]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests last: Playwright's sync API keeps an event loop running in the main
    thread from its first test to the end of the session, and pytest-asyncio cannot run
    async tests beside it."""
    items.sort(key=lambda item: "tests/e2e/" in item.nodeid.replace("\\", "/"))


@pytest.fixture(scope="session")
def servers_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("servers")


@pytest.fixture(scope="session")
def couch_endpoint(servers_dir: Path) -> Iterator[CouchEndpoint]:
    external = os.environ.get("RELAYPACS_COUCHDB_URL")
    if external:
        yield CouchEndpoint(
            external,
            os.environ.get("RELAYPACS_COUCHDB_USER", "admin"),
            os.environ.get("RELAYPACS_COUCHDB_PASSWORD", ""),
            None,
        )
        return
    server = CouchServer(workdir=servers_dir / "couchdb", admin_password="test-admin")
    server.start()
    yield CouchEndpoint(server.url, server.admin_user, server.admin_password, server)
    server.stop()


@pytest.fixture(scope="session")
def orthanc(servers_dir: Path) -> Iterator[OrthancServer]:
    server = OrthancServer(workdir=servers_dir / "orthanc")
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def s3(servers_dir: Path) -> Iterator[S3Server]:
    server = S3Server(workdir=servers_dir / "s3")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def names() -> DatabaseNames:
    return DatabaseNames(prefix=f"t{uuid.uuid4().hex[:10]}_")


@pytest.fixture
def core_settings(couch_endpoint: CouchEndpoint, names: DatabaseNames) -> CoreSettings:
    return CoreSettings(
        env="test",
        couchdb_url=couch_endpoint.url,
        couchdb_user=couch_endpoint.user,
        couchdb_password=couch_endpoint.password,
        db_prefix=names.prefix,
        _env_file=None,
    )


@pytest.fixture
async def couch(couch_endpoint: CouchEndpoint, names: DatabaseNames) -> AsyncIterator[CouchClient]:
    """An admin client; every database under this test's prefix is deleted afterwards."""
    client = couch_endpoint.client()
    yield client
    try:
        for name in await client.all_dbs():
            if name.startswith(names.prefix):
                await client.db(name).destroy()
    finally:
        await client.aclose()
