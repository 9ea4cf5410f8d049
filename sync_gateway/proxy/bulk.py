"""``_bulk_docs`` through the gateway: every document checked before CouchDB sees it.

A replication batch of ten 1 MiB chunks is ~14 MB of JSON.  Received whole, then checked,
then sent on, it would wait for its upload and then for every check in turn.  Instead:

1. the body is cut into its documents as it arrives (:mod:`.batch`), and each document is
   parsed and checked in the worker thread (type, owner, clinic, chunk size and sha256)
   while the rest uploads;
2. who owns the ids already is asked of CouchDB, once for the batch;
3. the documents that passed go on to CouchDB byte for byte, as pieces (not joined: one
   copy less of ~14 MB); a refused one is left out and answered for in the response, per
   document, as CouchDB does.

The batch goes on only once it is all in and well-formed, so a batch that fails half way
(malformed, over the size limit, the client gone) reaches CouchDB not at all, and a slow
upload holds no CouchDB connection.  Memory is the batch, never more than the request cap.
Measured and not kept, on one 2-core machine where client, gateway and CouchDB compete for
CPU: streaming the checked documents on while the upload continues (CouchDB receiving while
the gateway reads and checks); writing the chunks checked so far as batches of their own
(the upload slowed while CouchDB wrote); asking about ownership as documents pass their
checks (several small questions a batch cost CouchDB more than the one they saved waiting).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from starlette.responses import JSONResponse, Response

from sync_gateway.access.policy import Refusal
from sync_gateway.access.view import UserDatabase
from sync_gateway.errors import BadRequest, PayloadTooLarge
from sync_gateway.proxy import upstream as up
from sync_gateway.proxy.batch import (
    BatchSplitter,
    MalformedBatch,
    RawDocument,
    bulk_body,
    parse_document,
)
from sync_gateway.proxy.context import CHECKS, Context
from sync_gateway.proxy.operations import Operation


@dataclass
class Checked:
    """One document of a batch after its checks: what is kept of it, and the verdict."""

    raw: bytes  # as the client sent it: forwarded as is if it passes
    doc: Any  # parsed, without _attachments (checked already)
    refusal: Refusal | None

    @property
    def doc_id(self) -> Any:
        return self.doc.get("_id") if isinstance(self.doc, dict) else None


def check(view: UserDatabase, document: RawDocument) -> Checked:
    """Parse and check one document (CPU-bound: JSON, base64, sha256; in the worker)."""
    doc = parse_document(document)
    refusal = view.write_refusal(doc)
    if isinstance(doc, dict):
        doc = {k: v for k, v in doc.items() if k != "_attachments"}
    return Checked(document.raw, doc, refusal)


async def read_checked(ctx: Context) -> tuple[list[Checked], dict[str, Any]]:
    """Read a ``_bulk_docs`` body, checking each document in the worker as soon as it has
    arrived; the checked documents in order and the other top-level members."""
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
            for document in splitter.feed(piece):
                checking.append(loop.run_in_executor(CHECKS, check, ctx.view, document))
        options = splitter.finish()
        return list(await asyncio.gather(*checking)), options
    except MalformedBatch as exc:
        raise BadRequest(str(exc)) from exc
    finally:
        for future in checking:
            future.cancel()  # a no-op once done; otherwise the request failed


async def bulk_docs(ctx: Context, op: Operation) -> Response:
    checked, options = await read_checked(ctx)
    passed = [c for c in checked if c.refusal is None]
    owned = await ctx.view.ownership_refusals([c.doc for c in passed]) if passed else {}
    for c in passed:
        c.refusal = owned.get(c.doc["_id"])
    forward = [c for c in passed if c.refusal is None]
    rows: list[Any] = []
    if forward:
        pieces = bulk_body([c.raw for c in forward], options)
        status, data = await ctx.json_call(
            "POST",
            up.db_path(ctx.view.name, "_bulk_docs"),
            up.aiter_pieces(pieces),
            params=[],
            cap=ctx.settings.max_json_bytes,
            length=sum(len(p) for p in pieces),
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
    return JSONResponse(merge(checked, rows), status_code=201)


def merge(checked: list[Checked], rows: list[Any]) -> list:
    """The answer in request order when CouchDB answered one row per document; otherwise
    (``new_edits=false`` answers only errors) its rows followed by the refusals."""
    refusals = [(c.doc_id, c.refusal) for c in checked if c.refusal is not None]
    if len(rows) != len(checked) - len(refusals) or not rows:
        return rows + [refusal_row(doc_id, refusal) for doc_id, refusal in refusals]
    upstream_rows = iter(rows)
    return [refusal_row(c.doc_id, c.refusal) if c.refusal else next(upstream_rows) for c in checked]


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
