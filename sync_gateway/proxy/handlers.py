"""One function per proxied operation: read the request, ask the user's view, forward.

Writes are checked before CouchDB sees them (policy, ownership, chunk size and sha256);
reads are filtered so a user never receives another user's chunk.  Bodies stream where the
gateway does not need to look inside them (attachments, single documents, checkpoints);
where it must (``_bulk_docs``), they are capped and a larger one answers 413.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import tempfile
from collections.abc import AsyncIterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from couch_design_docs.models import CHUNK_ATTACHMENT, MAX_CHUNK_SIZE
from couch_design_docs.names import doc_type_of
from relaypacs.couch import CouchClient
from sync_gateway.access.policy import Refusal, chunk_bytes_refusal
from sync_gateway.access.view import UserDatabase
from sync_gateway.audit import AuditLog
from sync_gateway.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    GatewayError,
    PayloadTooLarge,
    Unprocessable,
    UnsupportedMediaType,
)
from sync_gateway.proxy import upstream as up
from sync_gateway.proxy.batch import BatchSplitter, MalformedBatch, bulk_body, parse_document
from sync_gateway.proxy.changes import changes
from sync_gateway.proxy.operations import Op, Operation
from sync_gateway.settings import GatewaySettings

# One worker for the CPU-bound checks (JSON, base64, sha256): off the event loop, and one
# thread keeps one malloc arena (many threads each keep their own peak: RSS grows).
CHECKS = ThreadPoolExecutor(max_workers=1, thread_name_prefix="write-checks")
AUDITED_READS = frozenset({"study", "chunk", "status", "report", "worklist"})


@dataclass
class Context:
    request: Request
    view: UserDatabase
    couch: CouchClient
    settings: GatewaySettings
    audit: AuditLog
    ip: str | None
    upstream: up.Upstream

    def record(
        self, action: str, doc_ids: list[str], outcome: str = "ok", detail: str = ""
    ) -> None:
        if doc_ids or outcome != "ok":
            self.audit.record(
                self.view.user.username,
                action,
                role=str(self.view.user.role),
                outcome=outcome,
                db=self.view.name,
                doc_ids=doc_ids,
                ip=self.ip,
                detail=detail or None,
            )


REFUSAL_ERRORS: dict[str, type[GatewayError]] = {
    "too_large": PayloadTooLarge,
    "unprocessable": Unprocessable,
    "conflict": Conflict,
}


def refusal_error(refusal: Refusal) -> GatewayError:
    return REFUSAL_ERRORS.get(refusal.error, Forbidden)(refusal.reason)


def refusal_row(doc_id: Any, refusal: Refusal) -> dict[str, Any]:
    # ``name``/``status`` as PouchDB's own errors have them: its replicator treats a
    # forbidden document as "denied" and goes on with the others (pouchdb-replication);
    # a conflict is CouchDB's own per-document answer to a lost race.
    if refusal.error == "conflict":
        return {
            "id": doc_id,
            "error": "conflict",
            "reason": refusal.reason,
            "name": "conflict",
            "status": 409,
        }
    return {
        "id": doc_id,
        "error": "forbidden",
        "reason": refusal.reason,
        "name": "forbidden",
        "status": 403,
    }


def audited(ids: list[str]) -> list[str]:
    return [i for i in ids if doc_type_of(i) in AUDITED_READS]


async def passthrough(
    ctx: Context, method: str, path: str, *, body: bytes | None = None, accept: str = up.JSON
) -> Response:
    upstream = await up.send(
        ctx.upstream,
        method,
        path,
        params=list(ctx.request.query_params.multi_items()),
        headers=up.request_headers(ctx.request, accept=accept),
        content=body,
    )
    return up.stream_back(upstream)


async def json_call(
    ctx: Context,
    method: str,
    path: str,
    body: bytes | list[bytes],
    params: Any = None,
    cap: int | None = None,
) -> tuple[int, Any]:
    """Send a JSON body (or its pieces, one after the other) and read the JSON answer; a
    failure of the database answers 502."""
    headers = {"Accept": up.JSON, "Content-Type": up.JSON}
    content: bytes | AsyncIterable[bytes] = body if isinstance(body, bytes) else b""
    if isinstance(body, list):
        headers["Content-Length"] = str(sum(len(piece) for piece in body))
        content = up.aiter_pieces(body)
    upstream = await up.send(
        ctx.upstream,
        method,
        path,
        params=params if params is not None else list(ctx.request.query_params.multi_items()),
        headers=headers,
        content=content,
    )
    data = await up.read_json(upstream, cap or ctx.settings.max_request_bytes)
    status = upstream.status_code
    if status >= 500:
        status, data = 502, {"error": "bad_gateway", "reason": "the database failed"}
    return status, data


# -- operations ---------------------------------------------------------------------------------


async def db_info(ctx: Context, op: Operation) -> Response:
    return await passthrough(ctx, "GET", up.db_path(ctx.view.name))


async def local_doc(ctx: Context, op: Operation) -> Response:
    path = up.doc_path(ctx.view.name, op.doc_id or "")
    body = None
    if ctx.request.method == "PUT":
        body = await up.read_request(ctx.request, ctx.settings.max_json_bytes)
    return await passthrough(ctx, ctx.request.method, path, body=body)


async def revs_diff(ctx: Context, op: Operation) -> Response:
    body = await up.read_request(ctx.request, ctx.settings.max_json_bytes)
    return await passthrough(ctx, "POST", up.db_path(ctx.view.name, "_revs_diff"), body=body)


async def ensure_full_commit(ctx: Context, op: Operation) -> Response:
    return JSONResponse({"ok": True, "instance_start_time": "0"}, status_code=201)


@dataclass
class Checked:
    """One document of a batch after its checks: what is kept of it, and the verdict."""

    raw: bytes  # as the client sent it: forwarded as is if it passes
    doc: Any  # parsed, without _attachments (checked already)
    refusal: Refusal | None

    @property
    def doc_id(self) -> Any:
        return self.doc.get("_id") if isinstance(self.doc, dict) else None


def _check(view: UserDatabase, raw: bytes) -> Checked:
    """Parse and check one document (CPU-bound: JSON, base64, sha256; in the worker)."""
    doc = parse_document(raw)
    refusal = view.write_refusal(doc)
    if isinstance(doc, dict):
        doc = {k: v for k, v in doc.items() if k != "_attachments"}
    return Checked(raw, doc, refusal)


async def _checked_batch(ctx: Context) -> tuple[list[Checked], dict[str, Any]]:
    """Read a ``_bulk_docs`` body, checking each document in the worker as soon as it has
    arrived (proxy/batch.py), so the checks overlap the upload instead of following it."""
    cap = ctx.settings.max_request_bytes
    up.refuse_declared_length(ctx.request, cap)
    loop = asyncio.get_running_loop()
    splitter = BatchSplitter()
    checking: list[asyncio.Future[Checked]] = []
    size = 0
    try:
        async for piece in ctx.request.stream():
            size += len(piece)
            if size > cap:
                raise PayloadTooLarge(f"request body exceeds the limit of {cap} bytes")
            for raw in splitter.feed(piece):
                checking.append(loop.run_in_executor(CHECKS, _check, ctx.view, raw))
        options = splitter.finish()
        return list(await asyncio.gather(*checking)), options
    except MalformedBatch as exc:
        raise BadRequest(str(exc)) from exc
    finally:
        for future in checking:
            future.cancel()  # a no-op once done; otherwise the request failed


async def bulk_docs(ctx: Context, op: Operation) -> Response:
    checked, options = await _checked_batch(ctx)
    passed = [c for c in checked if c.refusal is None]
    owned = await ctx.view.ownership_refusals([c.doc for c in passed]) if passed else {}
    for c in passed:
        c.refusal = owned.get(c.doc["_id"])
    forward = [c for c in passed if c.refusal is None]
    rows: list[Any] = []
    if forward:
        status, data = await json_call(
            ctx,
            "POST",
            up.db_path(ctx.view.name, "_bulk_docs"),
            bulk_body([c.raw for c in forward], options),
            params=[],
            cap=ctx.settings.max_json_bytes,
        )
        if status >= 400 or not isinstance(data, list):
            return JSONResponse(data, status_code=status if status >= 400 else 502)
        rows = data
        ctx.view.wrote([c.doc for c in forward])
        ctx.record("write", [c.doc["_id"] for c in forward])
    refused = [c for c in checked if c.refusal is not None]
    if refused:
        ids = [str(c.doc_id or "") for c in refused]
        first = refused[0].refusal
        ctx.record("write", ids, outcome="denied", detail=first.reason if first else "")
    return JSONResponse(_merge(checked, rows), status_code=201)


def _merge(checked: list[Checked], rows: list[Any]) -> list:
    """The answer in request order when CouchDB answered one row per document; otherwise
    (``new_edits=false`` answers only errors) its rows followed by the refusals."""
    refusals = [(c.doc_id, c.refusal) for c in checked if c.refusal is not None]
    if len(rows) != len(checked) - len(refusals) or not rows:
        return rows + [refusal_row(doc_id, refusal) for doc_id, refusal in refusals]
    upstream_rows = iter(rows)
    return [refusal_row(c.doc_id, c.refusal) if c.refusal else next(upstream_rows) for c in checked]


async def bulk_get(ctx: Context, op: Operation) -> Response:
    if ctx.request.query_params.get("attachments") == "true":
        raise BadRequest("fetch attachments separately, not inline in _bulk_get")
    body = await up.read_request(ctx.request, ctx.settings.max_json_bytes)
    status, data = await json_call(ctx, "POST", up.db_path(ctx.view.name, "_bulk_get"), body)
    if status != 200:
        return JSONResponse(data, status_code=status)
    read: list[str] = []
    for result in data.get("results", []):
        docs = []
        for entry in result.get("docs", []):
            doc = entry.get("ok") if isinstance(entry, dict) else None
            if isinstance(doc, dict) and "_id" in doc:
                if not ctx.view.visible(doc["_id"], doc):
                    entry = {
                        "error": {
                            "id": doc["_id"],
                            "rev": doc.get("_rev"),
                            "error": "forbidden",
                            "reason": "not yours to read",
                        }
                    }
                else:
                    read.append(doc["_id"])
            docs.append(entry)
        result["docs"] = docs
    ctx.record("read", audited(read))
    return JSONResponse(data)


async def all_docs(ctx: Context, op: Operation) -> Response:
    query = list(ctx.request.query_params.multi_items())
    q = dict(query)
    if q.get("attachments") == "true":
        raise BadRequest("fetch attachments separately, not inline in _all_docs")
    client_docs = q.get("include_docs") == "true"
    params = [(k, v) for k, v in query if k != "include_docs"] + [("include_docs", "true")]
    body = None
    if ctx.request.method == "POST":
        body = await up.read_request(ctx.request, ctx.settings.max_json_bytes)
    upstream = await up.send(
        ctx.upstream,
        ctx.request.method,
        up.db_path(ctx.view.name, "_all_docs"),
        params=params,
        headers={"Accept": up.JSON, "Content-Type": up.JSON},
        content=body,
    )
    data = await up.read_json(upstream, ctx.settings.max_request_bytes)
    if upstream.status_code != 200:
        return JSONResponse(data, status_code=min(upstream.status_code, 502))
    rows = []
    for row in data.get("rows", []):
        doc_id = row.get("id")
        if isinstance(doc_id, str) and not ctx.view.visible(doc_id, row.get("doc")):
            continue
        if not client_docs:
            row.pop("doc", None)
        rows.append(row)
    data["rows"] = rows
    return JSONResponse(data)


async def find(ctx: Context, op: Operation) -> Response:
    body = await up.read_request(ctx.request, ctx.settings.max_json_bytes)
    status, data = await json_call(ctx, "POST", up.db_path(ctx.view.name, "_find"), body)
    if status == 200 and isinstance(data.get("docs"), list):
        data["docs"] = [
            d
            for d in data["docs"]
            if isinstance(d, dict) and ctx.view.visible(str(d.get("_id", "")), d)
        ]
        ctx.record("read", audited([d["_id"] for d in data["docs"] if "_id" in d]))
    return JSONResponse(data, status_code=status)


async def doc_read(ctx: Context, op: Operation) -> Response:
    doc_id = op.doc_id or ""
    await ctx.view.authorize_read(doc_id)
    ctx.record("read", audited([doc_id]))
    return await passthrough(ctx, "GET", up.doc_path(ctx.view.name, doc_id))


async def _write_one(ctx: Context, doc_id: str | None, method: str, path_of_id: bool) -> Response:
    content_type = ctx.request.headers.get("content-type", "")
    if not content_type.startswith("application/json"):
        raise UnsupportedMediaType("documents are sent as application/json")
    body = await up.read_request(ctx.request, ctx.settings.max_request_bytes)
    doc = up.parse_json(body)
    if not isinstance(doc, dict):
        raise BadRequest("a document must be a JSON object")
    had_id = "_id" in doc
    if doc_id is not None and doc.setdefault("_id", doc_id) != doc_id:
        raise BadRequest("the _id in the body differs from the one in the URL")
    loop = asyncio.get_running_loop()
    refusal = await loop.run_in_executor(CHECKS, ctx.view.write_refusal, doc)
    if refusal is None:
        refusal = (await ctx.view.ownership_refusals([doc])).get(doc["_id"])
    if refusal is not None:
        ctx.record("write", [str(doc.get("_id"))], outcome="denied", detail=refusal.reason)
        raise refusal_error(refusal)
    path = up.doc_path(ctx.view.name, doc["_id"]) if path_of_id else up.db_path(ctx.view.name)
    content = body if had_id else json.dumps(doc).encode()  # forward what was checked
    status, data = await json_call(ctx, method, path, content, cap=ctx.settings.max_json_bytes)
    if status < 300:
        ctx.view.wrote([doc])
        ctx.record("write", [doc["_id"]])
    elif status == 409 and isinstance(data, dict):
        reason = await ctx.view.conflict_reason(doc["_id"])
        if reason is not None:
            data = {**data, "reason": reason}
        ctx.record("write", [doc["_id"]], outcome="denied", detail=str(data.get("reason")))
    return JSONResponse(data, status_code=status)


async def doc_write(ctx: Context, op: Operation) -> Response:
    return await _write_one(ctx, op.doc_id, "PUT", path_of_id=True)


async def doc_post(ctx: Context, op: Operation) -> Response:
    return await _write_one(ctx, None, "PUT", path_of_id=True)


async def att_read(ctx: Context, op: Operation) -> Response:
    doc_id = op.doc_id or ""
    await ctx.view.authorize_read(doc_id)
    ctx.record("read", audited([doc_id]))
    accept = ctx.request.headers.get("accept") or "*/*"
    path = up.doc_path(ctx.view.name, doc_id, op.attachment)
    return await passthrough(ctx, "GET", path, accept=accept)


async def att_write(ctx: Context, op: Operation) -> Response:
    """A binary attachment PUT: only a chunk's ``data``, spooled and hashed before CouchDB
    sees it, so a wrong size or sha256 is refused without storing anything."""
    doc_id = op.doc_id or ""
    if doc_type_of(doc_id) != "chunk" or op.attachment != CHUNK_ATTACHMENT:
        raise Forbidden(f"{doc_id}: only a chunk's data attachment may be uploaded")
    rev = ctx.request.query_params.get("rev")
    existing = await ctx.couch.db(ctx.view.name).get_or_none(
        doc_id, **({"rev": rev} if rev else {})
    )
    if existing is None:
        raise Forbidden(f"{doc_id}: create the chunk document before uploading its data")
    probe = {**existing, "_attachments": {CHUNK_ATTACHMENT: {"stub": True}}}
    refusal = ctx.view.write_refusal(probe)
    if refusal is not None:
        raise refusal_error(refusal)
    digest = hashlib.sha256()
    size = 0
    with tempfile.SpooledTemporaryFile(max_size=1024 * 1024) as spool:
        async for piece in ctx.request.stream():
            size += len(piece)
            if size > MAX_CHUNK_SIZE:
                raise PayloadTooLarge(f"{doc_id}: a chunk is at most {MAX_CHUNK_SIZE} bytes")
            digest.update(piece)
            spool.write(piece)
        refusal = chunk_bytes_refusal(existing, size, digest.hexdigest())
        if refusal is not None:
            ctx.record("write", [doc_id], outcome="denied", detail=refusal.reason)
            raise refusal_error(refusal)
        headers = up.request_headers(ctx.request)
        headers["Content-Length"] = str(size)
        upstream = await up.send(
            ctx.upstream,
            "PUT",
            up.doc_path(ctx.view.name, doc_id, op.attachment),
            params=list(ctx.request.query_params.multi_items()),
            headers=headers,
            content=up.aiter_file(spool),
        )
        data = await up.read_json(upstream, ctx.settings.max_json_bytes)
    ctx.record("write", [doc_id])
    return JSONResponse(
        data,
        status_code=min(upstream.status_code, 502)
        if upstream.status_code >= 500
        else upstream.status_code,
    )


async def refused(ctx: Context, op: Operation) -> Response:
    raise Forbidden(op.reason)


HANDLERS = {
    Op.db_info: db_info,
    Op.changes: None,  # see handle()
    Op.all_docs: all_docs,
    Op.bulk_docs: bulk_docs,
    Op.bulk_get: bulk_get,
    Op.revs_diff: revs_diff,
    Op.find: find,
    Op.ensure_full_commit: ensure_full_commit,
    Op.local_read: local_doc,
    Op.local_write: local_doc,
    Op.doc_read: doc_read,
    Op.doc_write: doc_write,
    Op.doc_post: doc_post,
    Op.att_read: att_read,
    Op.att_write: att_write,
    Op.refused: refused,
}


async def handle(ctx: Context, op: Operation) -> Response:
    if op.op is Op.refused:
        ctx.record("refused", [], outcome="denied", detail=op.reason)
        raise Forbidden(op.reason)
    ctx.view.require(op.needs)
    if op.op is Op.changes:
        return await changes(ctx.view, ctx.upstream, ctx.settings, ctx.request)
    handler = HANDLERS[op.op]
    assert handler is not None
    return await handler(ctx, op)
