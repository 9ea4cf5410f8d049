"""Chunks back into files: stream each ~1 MiB attachment in order into a temporary file.

Each chunk's bytes are checked against the chunk document's sha256 and size, the whole
file against the manifest's size and sha256.  A chunk that has not replicated yet is not
an error: :class:`ChunksMissing` is retryable and the chunk's own change wakes the study
up.  Memory holds at most one chunk per file being assembled.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from couch_design_docs.models import CHUNK_ATTACHMENT, StudyFile
from couch_design_docs.names import chunk_doc_id, chunk_prefix
from pacs_bridge.errors import ChunksMissing, IntegrityFailed, map_couch_errors
from relaypacs.couch import Database, NotFound


@dataclass(frozen=True)
class AssembledFile:
    path: Path
    size: int
    sha256: str
    md5: str  # for the PACS integrity receipt (Orthanc keeps the MD5 of what it stored)


def _write_chunk(fp: Any, parts: list[bytes], file_hash: Any | None, file_md5: Any) -> str:
    """Hash and write one chunk (in a worker thread: hashlib releases the GIL).

    ``file_hash`` None means the chunk is the whole file: one hash serves both.
    """
    chunk_hash = hashlib.sha256()
    for part in parts:
        chunk_hash.update(part)
        if file_hash is not None:
            file_hash.update(part)
        file_md5.update(part)
        fp.write(part)
    return chunk_hash.hexdigest()


async def chunk_docs(db: Database, study_id: str, file: StudyFile) -> dict[int, dict[str, Any]]:
    """The chunk documents of one file that have arrived, by index (attachment stubs only)."""
    with map_couch_errors():
        rows = await db.ids_with_prefix(chunk_prefix(study_id, file.file_id), include_docs=True)
    docs: dict[int, dict[str, Any]] = {}
    for row in rows:
        doc = row.get("doc")
        if doc and not doc.get("_deleted") and isinstance(doc.get("index"), int):
            docs[doc["index"]] = doc
    return docs


async def study_chunk_docs(db: Database, study_id: str) -> dict[str, dict[int, dict[str, Any]]]:
    """Every chunk document of a study that has arrived, by file id and index: one request
    instead of one per file (the attachments themselves are streamed one by one later)."""
    with map_couch_errors():
        rows = await db.ids_with_prefix(chunk_prefix(study_id), include_docs=True)
    out: dict[str, dict[int, dict[str, Any]]] = {}
    for row in rows:
        doc = row.get("doc")
        if doc and not doc.get("_deleted") and isinstance(doc.get("index"), int):
            out.setdefault(doc.get("file_id", ""), {})[doc["index"]] = doc
    return out


def missing_indices(docs: dict[int, Any], chunk_count: int) -> list[int]:
    return [i for i in range(chunk_count) if i not in docs]


async def assemble(
    db: Database,
    study_id: str,
    file: StudyFile,
    work_dir: Path,
    known: dict[int, dict[str, Any]] | None = None,
) -> AssembledFile:
    """Stream the file's chunks, in order, into ``work_dir``; verify every sha256 on the way.

    ``known`` are the file's chunk documents if the caller already listed them; if some are
    missing there the list is read again (they may have arrived since).
    """
    docs = known if known is not None else await chunk_docs(db, study_id, file)
    if known is not None and missing_indices(docs, file.chunk_count):
        docs = await chunk_docs(db, study_id, file)
    missing = missing_indices(docs, file.chunk_count)
    if missing:
        raise ChunksMissing(
            f"Waiting for the rest of file {file.name} to arrive "
            f"({file.chunk_count - len(missing)} of {file.chunk_count} parts here).",
            f"missing chunk indices {missing[:20]}{'…' if len(missing) > 20 else ''}",
            file_id=file.file_id,
            file_name=file.name,
        )
    final = work_dir / f"{study_id}-{file.file_id}.dcm"
    partial = final.with_suffix(f".{os.getpid()}.part")
    file_hash = hashlib.sha256()
    file_md5 = hashlib.md5(usedforsecurity=False)
    single_digest = ""
    size = 0
    try:
        with partial.open("wb") as fp:
            for index in range(file.chunk_count):
                doc = docs[index]
                parts: list[bytes] = []
                received = 0
                with map_couch_errors():
                    try:
                        async with db.open_attachment(
                            chunk_doc_id(study_id, file.file_id, index), CHUNK_ATTACHMENT
                        ) as response:
                            async for part in response.aiter_bytes():
                                parts.append(part)
                                received += len(part)
                    except NotFound as exc:  # deleted between listing and reading
                        raise ChunksMissing(
                            f"Waiting for the rest of file {file.name} to arrive.",
                            f"chunk {index} disappeared: {exc}",
                            file_id=file.file_id,
                            file_name=file.name,
                        ) from exc
                digest = await asyncio.to_thread(
                    _write_chunk, fp, parts, file_hash if file.chunk_count > 1 else None, file_md5
                )
                if file.chunk_count == 1:
                    single_digest = digest
                del parts
                if digest != doc.get("sha256") or received != doc.get("size"):
                    raise IntegrityFailed(
                        f"Part {index + 1} of file {file.name} was damaged on the way — "
                        "export the file and send it again.",
                        f"chunk {index}: sha256 {digest} size {received}, "
                        f"chunk document says {doc.get('sha256')} size {doc.get('size')}",
                        code="chunk_sha256_mismatch",
                        file_id=file.file_id,
                        file_name=file.name,
                    )
                size += received
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    sha = single_digest if file.chunk_count == 1 else file_hash.hexdigest()
    if size != file.size or sha != file.sha256:
        partial.unlink(missing_ok=True)
        raise IntegrityFailed(
            f"File {file.name} does not match what was sent "
            "(its checksum differs) — export it again.",
            f"assembled {size} bytes sha256 {sha}; manifest says {file.size} bytes sha256 "
            f"{file.sha256}",
            code="sha256_mismatch",
            file_id=file.file_id,
            file_name=file.name,
        )
    partial.replace(final)
    return AssembledFile(final, size, sha, file_md5.hexdigest())
