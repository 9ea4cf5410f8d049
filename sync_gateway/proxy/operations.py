"""Every request the replication proxy understands, and the access each needs: one table.

The CouchDB replication protocol (https://docs.couchdb.org/en/stable/replication/protocol.html)
uses: database info, ``_local`` checkpoints, ``_changes``, ``_revs_diff``, ``_bulk_docs``,
``_bulk_get``, ``_all_docs`` and document/attachment GET and PUT.  Anything else under a
database (``_design``, ``_security``, ``_compact``, ``_purge``, views, ...) and every
server-level path (``_all_dbs``, ``_users``, ``_replicator``, ``_session``) is refused
before CouchDB sees it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import unquote

from sync_gateway.access.policy import Access


class Op(StrEnum):
    db_info = "db_info"
    changes = "changes"
    all_docs = "all_docs"
    bulk_docs = "bulk_docs"
    bulk_get = "bulk_get"
    revs_diff = "revs_diff"
    find = "find"
    ensure_full_commit = "ensure_full_commit"
    local_read = "local_read"
    local_write = "local_write"
    doc_read = "doc_read"
    doc_write = "doc_write"
    doc_post = "doc_post"
    att_read = "att_read"
    att_write = "att_write"
    refused = "refused"


NEEDS: dict[Op, Access] = {
    Op.db_info: Access.read,
    Op.changes: Access.read,
    Op.all_docs: Access.read,
    Op.bulk_get: Access.read,
    Op.revs_diff: Access.read,
    Op.find: Access.read,
    Op.local_read: Access.read,
    Op.doc_read: Access.read,
    Op.att_read: Access.read,
    Op.bulk_docs: Access.write,
    Op.ensure_full_commit: Access.write,
    Op.local_write: Access.write,
    Op.doc_write: Access.write,
    Op.doc_post: Access.write,
    Op.att_write: Access.write,
}

# database-level endpoints: (method, name) -> operation
_ENDPOINTS: dict[tuple[str, str], Op] = {
    ("GET", "_changes"): Op.changes,
    ("POST", "_changes"): Op.changes,
    ("GET", "_all_docs"): Op.all_docs,
    ("POST", "_all_docs"): Op.all_docs,
    ("POST", "_bulk_docs"): Op.bulk_docs,
    ("POST", "_bulk_get"): Op.bulk_get,
    ("POST", "_revs_diff"): Op.revs_diff,
    ("POST", "_find"): Op.find,
    ("POST", "_ensure_full_commit"): Op.ensure_full_commit,
}


@dataclass(frozen=True)
class Operation:
    op: Op
    doc_id: str | None = None
    attachment: str | None = None
    reason: str = ""

    @property
    def needs(self) -> Access:
        return NEEDS.get(self.op, Access.write)


def _refuse(reason: str) -> Operation:
    return Operation(Op.refused, reason=reason)


def classify(method: str, segments: list[str]) -> Operation:
    """What ``method /sync/{db}/{segments...}`` asks for (segments already URL-decoded)."""
    method = "GET" if method == "HEAD" else method
    if not segments or segments == [""]:
        if method == "GET":
            return Operation(Op.db_info)
        if method == "POST":
            return Operation(Op.doc_post)
        if method in ("PUT", "DELETE"):
            return _refuse("databases are created and deleted by the administrator")
        return _refuse(f"{method} is not supported here")
    head, rest = segments[0], segments[1:]
    if head == "_local":
        if len(rest) != 1 or not rest[0]:
            return _refuse("malformed _local document path")
        doc_id = f"_local/{rest[0]}"
        if method == "GET":
            return Operation(Op.local_read, doc_id)
        if method in ("PUT", "DELETE"):
            return Operation(Op.local_write, doc_id)
        return _refuse(f"{method} is not supported on _local documents")
    if head.startswith("_"):
        if rest:
            return _refuse(f"{head} is not reachable through the gateway")
        op = _ENDPOINTS.get((method, head))
        if op is None:
            return _refuse(f"{method} {head} is not reachable through the gateway")
        return Operation(op)
    if not rest:
        if method == "GET":
            return Operation(Op.doc_read, head)
        if method == "PUT":
            return Operation(Op.doc_write, head)
        if method == "DELETE":
            return _refuse(f"{head}: documents are not deleted through the gateway")
        return _refuse(f"{method} is not supported on documents")
    attachment = "/".join(rest)
    if method == "GET":
        return Operation(Op.att_read, head, attachment)
    if method == "PUT":
        return Operation(Op.att_write, head, attachment)
    return _refuse(f"{method} is not supported on attachments")


def split_path(raw_path: str, prefix: str = "/sync/") -> tuple[str, list[str]]:
    """(database name, decoded segments) of a raw ``/sync/{db}/...`` request path."""
    tail = raw_path[len(prefix) :] if raw_path.startswith(prefix) else raw_path.lstrip("/")
    parts = tail.split("/")
    db = unquote(parts[0])
    segments = [unquote(p) for p in parts[1:]]
    if segments and segments[-1] == "" and len(segments) == 1:
        segments = []
    return db, segments
