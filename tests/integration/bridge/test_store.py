"""The object store: same bytes is a no-op, different bytes is a conflict, never overwritten."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

import pytest

from pacs_bridge.errors import StoreConflict, StoreUnavailable
from pacs_bridge.store import LocalStore, ObjectStore, S3Store
from relaypacs.harness.process import free_port
from relaypacs.harness.servers import S3Server

pytestmark = pytest.mark.integration


def write(path: Path, data: bytes) -> tuple[Path, str, int]:
    path.write_bytes(data)
    return path, hashlib.sha256(data).hexdigest(), len(data)


@pytest.fixture(params=["local", "s3"])
def store(request, tmp_path) -> ObjectStore:
    if request.param == "local":
        return LocalStore(tmp_path / "objects")
    s3: S3Server = request.getfixturevalue("s3")
    return S3Store(
        f"test-{uuid.uuid4().hex[:8]}",
        endpoint_url=s3.url,
        access_key=s3.access_key,
        secret_key=s3.secret_key,
    )


async def test_put_is_idempotent_and_never_overwrites(store: ObjectStore, tmp_path: Path):
    key = "studies/1.2/series/1.2.3/instances/1.2.3.4.dcm"
    first = write(tmp_path / "a", b"first bytes" * 1000)
    assert await store.put_file(key, *first) == "created"
    assert await store.put_file(key, *first) == "identical"
    other = write(tmp_path / "b", b"other bytes" * 1000)
    with pytest.raises(StoreConflict) as caught:
        await store.put_file(key, *other)
    assert "nothing was overwritten" in caught.value.message
    assert await store.read_all(key) == b"first bytes" * 1000
    head = await store.head(key)
    assert head is not None and head.sha256 == first[1] and head.size == first[2]
    assert await store.head(key + ".missing") is None


async def test_s3_objects_are_encrypted_with_sha256_metadata(s3: S3Server, tmp_path: Path):
    store = S3Store(
        "enc-test", endpoint_url=s3.url, access_key=s3.access_key, secret_key=s3.secret_key
    )
    path, sha, size = write(tmp_path / "a", b"x" * 5000)
    await store.put_file("k.dcm", path, sha, size)
    head = await store.describe("k.dcm")
    assert head["ServerSideEncryption"] == "AES256"
    assert head["Metadata"]["sha256"] == sha


async def test_s3_unreachable_is_retryable(tmp_path: Path):
    store = S3Store(
        "nowhere",
        endpoint_url=f"http://127.0.0.1:{free_port()}",
        access_key="a",
        secret_key="b",
        connect_timeout=1,
    )
    path, sha, size = write(tmp_path / "a", b"x")
    with pytest.raises(StoreUnavailable) as caught:
        await store.put_file("k", path, sha, size)
    assert caught.value.retryable


async def test_local_store_recovers_missing_metadata(tmp_path: Path):
    store = LocalStore(tmp_path / "objects")
    path, sha, size = write(tmp_path / "a", b"payload" * 10)
    await store.put_file("a/b.dcm", path, sha, size)
    (tmp_path / "objects" / "a" / "b.dcm.meta.json").unlink()  # as if killed before writing it
    assert await store.put_file("a/b.dcm", path, sha, size) == "identical"


def test_local_store_refuses_keys_outside_its_root(tmp_path: Path):
    with pytest.raises(ValueError):
        LocalStore(tmp_path).path_of("../escape")
