"""Reading the audit trail: by actor, by document, or the latest events, newest first.

The audit database's ``by_actor`` (``[actor, at]``) and ``by_doc`` (``[doc_id, at]``)
views answer "what did this person do" and "who sent, opened or reported this study".
"""

from __future__ import annotations

from typing import Any

from couch_design_docs.design import DESIGN_ID
from couch_design_docs.names import DatabaseNames
from relaypacs.couch import CouchClient

DDOC = DESIGN_ID.removeprefix("_design/")
HIGH = "\ufff0"


def event_view(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k not in ("_rev", "type", "schema_version")}


async def read_trail(
    couch: CouchClient,
    names: DatabaseNames,
    *,
    actor: str | None = None,
    doc: str | None = None,
    before: str | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """Events newest first; with both ``actor`` and ``doc``, those of the actor on the doc."""
    db = couch.db(names.audit)
    top = before or HIGH
    if actor is not None or doc is not None:
        view, key = ("by_doc", doc) if doc is not None else ("by_actor", actor)
        # filtering by actor within a document's events needs more rows than asked for
        fetch = limit if actor is None or doc is None else min(limit * 10, 5000)
        result = await db.view(
            DDOC,
            view,
            startkey=[key, top],
            endkey=[key],
            descending=True,
            include_docs=True,
            limit=fetch,
        )
        events = [row["doc"] for row in result.get("rows", []) if row.get("doc")]
        if before:
            events = [e for e in events if str(e.get("at")) < before]
        if actor is not None and doc is not None:
            events = [e for e in events if e.get("actor") == actor]
    else:
        result = await db.all_docs(
            startkey=f"audit:{top}",
            endkey="audit:",
            descending=True,
            include_docs=True,
            limit=limit,
        )
        events = [row["doc"] for row in result.get("rows", []) if row.get("doc")]
    return [event_view(e) for e in events[:limit]]
