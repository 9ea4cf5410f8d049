"""One user's view of one database, decided once per request.

Like sync_gateway's ``DatabaseCollectionWithUser``: the proxy never asks "may this user
...?" itself, it asks the :class:`UserDatabase` bound to the request, which applies the pure
rules of :mod:`.policy` and looks up what they need (a chunk's author) in CouchDB.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from couch_design_docs.names import doc_type_of
from relaypacs.couch import CouchClient
from sync_gateway.access.policy import (
    WRITABLE,
    Access,
    Principal,
    Refusal,
    Target,
    database_access,
    may_read,
    needs_author,
    overwrite_refusal,
    write_refusal,
)
from sync_gateway.errors import Forbidden


class AuthorCache:
    """Chunk id -> author, learnt from every chunk the gateway sees (chunks are immutable)."""

    def __init__(self, size: int = 200_000) -> None:
        self._size = size
        self._data: OrderedDict[tuple[str, str], str] = OrderedDict()

    def get(self, db: str, doc_id: str) -> str | None:
        key = (db, doc_id)
        author = self._data.get(key)
        if author is not None:
            self._data.move_to_end(key)
        return author

    def put(self, db: str, doc_id: str, author: str) -> None:
        self._data[(db, doc_id)] = author
        self._data.move_to_end((db, doc_id))
        while len(self._data) > self._size:
            self._data.popitem(last=False)

    def learn(self, db: str, doc: Any) -> None:
        if isinstance(doc, dict) and doc.get("type") == "chunk":
            author, doc_id = doc.get("author"), doc.get("_id")
            if isinstance(author, str) and isinstance(doc_id, str):
                self.put(db, doc_id, author)


class UserDatabase:
    def __init__(
        self, user: Principal, target: Target, couch: CouchClient, authors: AuthorCache
    ) -> None:
        self.user = user
        self.target = target
        self.access = database_access(user, target)
        self._couch = couch
        self._authors = authors

    @property
    def name(self) -> str:
        return self.target.name

    def require(self, needed: Access) -> None:
        if self.access < needed:
            verb = "read" if needed == Access.read else "write to"
            raise Forbidden(f"{self.user.role} {self.user.username} may not {verb} {self.name}")

    # -- writes ---------------------------------------------------------------------------

    def write_refusal(self, doc: Any) -> Refusal | None:
        return write_refusal(self.user, self.target, doc)

    async def ownership_refusals(self, docs: list[dict[str, Any]]) -> dict[str, Refusal]:
        """Refuse writing over an existing document somebody else owns.

        Replication writes with ``new_edits=false`` may graft any revision onto any
        document, so a document id that exists must already belong to the writer.
        """
        fields = WRITABLE.get((self.target.kind, self.user.role), {})
        ids = [d["_id"] for d in docs if doc_type_of(d["_id"]) in fields]
        if not ids:
            return {}
        result = await self._couch.json(
            "POST",
            f"/{self.name}/_all_docs",
            params={"include_docs": "true"},
            json={"keys": ids},
        )
        refusals: dict[str, Refusal] = {}
        for row in result.get("rows", []):
            doc = row.get("doc")
            if not isinstance(doc, dict) or row.get("value", {}).get("deleted"):
                continue
            self._authors.learn(self.name, doc)
            field = fields.get(str(doc.get("type")))
            refusal = overwrite_refusal(self.user, doc, field) if field else None
            if refusal is not None:
                refusals[row["id"]] = refusal
        return refusals

    async def conflict_reason(self, doc_id: str) -> str | None:
        """After CouchDB refused a write as a conflict: who holds ``doc_id`` now, in words."""
        if doc_type_of(doc_id) != "claim":
            return None
        current = await self._couch.db(self.name).get_or_none(doc_id)
        if not isinstance(current, dict):
            return None
        if current.get("radiologist") == self.user.username:
            return (
                f"you claimed this study at {current.get('claimed_at')}; send its _rev to change it"
            )
        return f"claimed by {current.get('radiologist')} at {current.get('claimed_at')}"

    def wrote(self, docs: list[dict[str, Any]]) -> None:
        for doc in docs:
            self._authors.learn(self.name, doc)

    # -- reads ----------------------------------------------------------------------------

    def visible(self, doc_id: str, doc: Any = None) -> bool:
        """Whether a row/document may go to the user; learns chunk authors on the way."""
        if not needs_author(doc_id):
            return may_read(self.user, doc_id, None)
        author = None
        if isinstance(doc, dict):
            self._authors.learn(self.name, doc)
            author = doc.get("author") if doc.get("type") == "chunk" else None
        if author is None:
            author = self._authors.get(self.name, doc_id)
        return may_read(self.user, doc_id, author)

    async def authorize_read(self, doc_id: str) -> None:
        """Raise Forbidden unless the user may read ``doc_id`` (looks its author up)."""
        if not needs_author(doc_id):
            if not may_read(self.user, doc_id, None):
                raise Forbidden(f"{doc_id}: not yours to read")
            return
        author = self._authors.get(self.name, doc_id)
        if author is None:
            doc = await self._couch.db(self.name).get_or_none(doc_id)
            if doc is None:
                return  # CouchDB answers the 404 itself
            self._authors.learn(self.name, doc)
            author = doc.get("author")
        if not may_read(self.user, doc_id, author):
            raise Forbidden(f"{doc_id}: image data is only readable by its author")
