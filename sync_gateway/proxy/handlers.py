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

from starlette.responses import JSONResponse, Response

from couch_design_docs.models import CHUNK_ATTACHMENT, MAX_CHUNK_SIZE
from couch_design_docs.names import doc_type_of
from sync_gateway.access.policy import Refusal, chunk_bytes_refusal
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
from sync_gateway.proxy.bulk import bulk_docs
from sync_gateway.proxy.changes import changes
from sync_gateway.proxy.context import CHECKS, Context
from sync_gateway.proxy.operations import Op, Operation

AUDITED_READS = frozenset({"study", "chunk", "status", "report", "worklist"})


REFUSAL_ERRORS: dict[str, type[GatewayError]] = {
    "too_large": PayloadTooLarge,
    "unprocessable": Unprocessable,
    "conflict": Conflict,
}


def refusal_error(refusal: Refusal) -> GatewayError:
    return REFUSAL_ERRORS.get(refusal.error, Forbidden)(refusal.reason)


def audited(ids: list[str]) -> list[str]:
    return [i for i in ids if doc_type_of(i) in AUDITED_READS]


async def passthrough(
    ctx: Context, method: str, path: str, *, body: bytes | None = None, accept: str = up.JSON
) -> Response:
    upstream = await ctx.upstream.send(
        method,
        path,
        params=list(ctx.request.query_params.multi_items()),
        headers=up.request_headers(ctx.request, accept=accept),
        content=body,
    )
    return up.Relayed(upstream)


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


async def bulk_get(ctx: Context, op: Operation) -> Response:
    if ctx.request.query_params.get("attachments") == "true":
        raise BadRequest("fetch attachments separately, not inline in _bulk_get")
    body = await up.read_request(ctx.request, ctx.settings.max_json_bytes)
    status, data = await ctx.json_call("POST", up.db_path(ctx.view.name, "_bulk_get"), body)
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
    upstream = await ctx.upstream.send(
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
    status, data = await ctx.json_call("POST", up.db_path(ctx.view.name, "_find"), body)
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
    status, data = await ctx.json_call(method, path, content, cap=ctx.settings.max_json_bytes)
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
        upstream = await ctx.upstream.send(
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
