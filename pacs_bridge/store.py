"""The archive copy of every instance: one interface, a local directory and S3.

Objects are keyed by study / series / SOP instance UID and carry their sha256 in metadata.
Writes never overwrite: the same bytes again is a no-op (``identical``), different bytes
under the same UID raise :class:`StoreConflict`.  S3 writes use ``If-None-Match: *`` so
two writers racing cannot overwrite each other either, and server-side encryption
(SSE-S3, AES256).  Reads stream in pieces; nothing holds a whole object in memory.
"""

from __future__ import annotations

import abc
import asyncio
import base64
import contextlib
import errno
import hashlib
import json
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pacs_bridge.errors import StoreConflict, StoreUnavailable, map_boto_errors, map_os_errors

READ_SIZE = 1024 * 1024

PutOutcome = Literal["created", "identical"]


def object_key(study_uid: str, series_uid: str, sop_uid: str) -> str:
    return f"studies/{study_uid}/series/{series_uid}/instances/{sop_uid}.dcm"


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    size: int
    sha256: str | None


def _conflict(key: str, have: str | None, new: str) -> StoreConflict:
    return StoreConflict(
        "The archive already holds a different image with the same identifier; "
        "nothing was overwritten — ask the radiology department to check.",
        f"{key}: stored sha256 {have}, new sha256 {new}",
    )


class ObjectStore(abc.ABC):
    """Where instances are kept; see the module docstring for the rules."""

    kind: str

    @abc.abstractmethod
    async def head(self, key: str) -> ObjectInfo | None: ...

    @abc.abstractmethod
    async def _create(self, key: str, path: Path, sha256: str, size: int) -> bool:
        """Create ``key`` from ``path`` unless it exists; False if it already existed."""

    @abc.abstractmethod
    def iter_bytes(self, key: str, size: int = READ_SIZE) -> AsyncIterator[bytes]: ...

    async def aclose(self) -> None:  # noqa: B027 - optional hook
        pass

    async def put_file(self, key: str, path: Path, sha256: str, size: int) -> PutOutcome:
        """Store the file at ``path`` under ``key``; idempotent, never overwrites."""
        existing = await self.head(key)
        if existing is None:
            if await self._create(key, path, sha256, size):
                return "created"
            existing = await self.head(key)  # lost a race: look at the winner
            if existing is None:
                raise StoreUnavailable(
                    "The archive is inconsistent; the study will be tried again.",
                    f"{key}: create reported existing, head found nothing",
                )
        if existing.sha256 == sha256 and existing.size == size:
            return "identical"
        raise _conflict(key, existing.sha256, sha256)

    async def read_all(self, key: str) -> bytes:
        """Whole object (tests and small tools only)."""
        return b"".join([part async for part in self.iter_bytes(key)])


class LocalStore(ObjectStore):
    """A directory: ``<root>/<key>`` plus ``<root>/<key>.meta.json`` with the sha256.

    The data file is created with ``link()``, which fails if the name exists, so an object
    is never overwritten; the metadata is written first, so a data file always has it.
    """

    kind = "local"

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._base = os.path.abspath(self.root)

    def path_of(self, key: str) -> Path:
        # lexical: keys are UIDs and slashes, and nothing but the bridge writes in the
        # store; resolving every path cost a system call per directory level per read
        path = os.path.normpath(os.path.join(self._base, key))
        if not path.startswith(self._base + os.sep):
            raise ValueError(f"key escapes the store: {key!r}")
        return Path(path)

    async def head(self, key: str) -> ObjectInfo | None:
        with map_os_errors(key):
            return await asyncio.to_thread(self._head, key)

    def _head(self, key: str) -> ObjectInfo | None:
        path = self.path_of(key)
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            return None
        meta = path.with_name(path.name + ".meta.json")
        try:
            sha = json.loads(meta.read_text())["sha256"]
        except (OSError, ValueError, KeyError):
            # crashed between creating the data and its metadata: recompute, write it down
            sha = _sha256_of(path)
            _write_meta(meta, sha, size)
        return ObjectInfo(key, size, sha)

    async def _create(self, key: str, path: Path, sha256: str, size: int) -> bool:
        with map_os_errors(key):
            return await asyncio.to_thread(self._create_sync, key, path, sha256, size)

    def _create_sync(self, key: str, source: Path, sha256: str, size: int) -> bool:
        target = self.path_of(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        staged = target.with_name(f"{target.name}.{os.getpid()}.tmp")
        staged.unlink(missing_ok=True)
        try:
            os.link(source, staged)  # same file system: no copy
        except OSError as exc:
            if exc.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK):
                raise
            _copy_and_sync(source, staged)
        try:
            os.link(staged, target)  # atomic create-if-absent: never overwrites
        except FileExistsError:
            return False
        finally:
            staged.unlink(missing_ok=True)
        _write_meta(target.with_name(target.name + ".meta.json"), sha256, size)
        return True

    async def iter_bytes(self, key: str, size: int = READ_SIZE) -> AsyncIterator[bytes]:
        path = self.path_of(key)
        with map_os_errors(key):
            fp = await asyncio.to_thread(path.open, "rb")
        try:
            while True:
                with map_os_errors(key):
                    data = await asyncio.to_thread(fp.read, size)
                if not data:
                    return
                yield data
        finally:
            fp.close()


def _write_meta(meta: Path, sha256: str, size: int) -> None:
    staged = meta.with_name(f"{meta.name}.{os.getpid()}.tmp")
    staged.write_text(json.dumps({"sha256": sha256, "size": size}))
    os.replace(staged, meta)


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fp:
        while data := fp.read(READ_SIZE):
            digest.update(data)
    return digest.hexdigest()


def _copy_and_sync(source: Path, target: Path) -> None:
    with source.open("rb") as src, target.open("wb") as dst:
        while data := src.read(READ_SIZE):
            dst.write(data)
        dst.flush()
        os.fsync(dst.fileno())


class S3Store(ObjectStore):
    """S3 or MinIO through boto3 (blocking calls run in threads), path-style addressing."""

    kind = "s3"

    def __init__(
        self,
        bucket: str,
        *,
        endpoint_url: str | None = None,
        access_key: str | None = None,
        secret_key: str | None = None,
        region: str = "us-east-1",
        create_bucket: bool = True,
        connect_timeout: float = 5.0,
        read_timeout: float = 60.0,
    ) -> None:
        import boto3
        from botocore.config import Config

        self.bucket = bucket
        self.create_bucket = create_bucket
        self._bucket_ready = not create_bucket
        self._client: Any = boto3.client(
            "s3",
            endpoint_url=endpoint_url,
            aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
            region_name=region,
            config=Config(
                s3={"addressing_style": "path"},
                retries={"max_attempts": 2, "mode": "standard"},
                connect_timeout=connect_timeout,
                read_timeout=read_timeout,
                max_pool_connections=16,
            ),
        )

    async def _ensure_bucket(self) -> None:
        if self._bucket_ready:
            return
        with map_boto_errors(self.bucket):
            await asyncio.to_thread(self._ensure_bucket_sync)
        self._bucket_ready = True

    def _ensure_bucket_sync(self) -> None:
        from botocore.exceptions import ClientError

        try:
            self._client.head_bucket(Bucket=self.bucket)
        except ClientError as exc:
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if status != 404:
                raise
            with contextlib.suppress(self._client.exceptions.BucketAlreadyOwnedByYou):
                self._client.create_bucket(Bucket=self.bucket)

    async def head(self, key: str) -> ObjectInfo | None:
        await self._ensure_bucket()
        with map_boto_errors(key):
            return await asyncio.to_thread(self._head_sync, key)

    def _head_sync(self, key: str) -> ObjectInfo | None:
        from botocore.exceptions import ClientError

        try:
            response = self._client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if status == 404:
                return None
            raise
        return ObjectInfo(key, int(response["ContentLength"]), response["Metadata"].get("sha256"))

    async def _create(self, key: str, path: Path, sha256: str, size: int) -> bool:
        await self._ensure_bucket()
        with map_boto_errors(key):
            return await asyncio.to_thread(self._create_sync, key, path, sha256, size)

    def _create_sync(self, key: str, path: Path, sha256: str, size: int) -> bool:
        from botocore.exceptions import ClientError

        checksum = base64.b64encode(bytes.fromhex(sha256)).decode()
        with path.open("rb") as body:
            try:
                self._client.put_object(
                    Bucket=self.bucket,
                    Key=key,
                    Body=body,
                    ContentLength=size,
                    ContentType="application/dicom",
                    Metadata={"sha256": sha256},
                    ServerSideEncryption="AES256",
                    ChecksumSHA256=checksum,
                    IfNoneMatch="*",
                )
            except ClientError as exc:
                status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
                if status in (409, 412):  # someone created it first
                    return False
                raise
        return True

    async def iter_bytes(self, key: str, size: int = READ_SIZE) -> AsyncIterator[bytes]:
        await self._ensure_bucket()
        with map_boto_errors(key):
            response = await asyncio.to_thread(self._client.get_object, Bucket=self.bucket, Key=key)
        body = response["Body"]
        try:
            while True:
                with map_boto_errors(key):
                    data = await asyncio.to_thread(body.read, size)
                if not data:
                    return
                yield data
        finally:
            body.close()

    async def describe(self, key: str) -> dict[str, Any]:
        """Raw head_object answer (tests check encryption and metadata)."""
        with map_boto_errors(key):
            return await asyncio.to_thread(self._client.head_object, Bucket=self.bucket, Key=key)


def store_from_settings(settings: Any) -> ObjectStore:
    if settings.object_store == "s3":
        return S3Store(
            settings.s3_bucket,
            endpoint_url=settings.s3_endpoint_url,
            access_key=settings.s3_access_key,
            secret_key=(
                settings.s3_secret_key.get_secret_value() if settings.s3_secret_key else None
            ),
            region=settings.s3_region,
            create_bucket=settings.s3_create_bucket,
        )
    return LocalStore(settings.store_path)
