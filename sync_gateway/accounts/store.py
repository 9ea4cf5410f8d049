"""User documents in the users database, with a short read cache.

Every authenticated request reads its user's document (a disabled user, a logged-out
session or a reset password must stop working at once).  Reads are cached for
``user_cache_seconds``; every write through this store drops the cached copy, so changes
made by this process apply at once and changes made elsewhere within that many seconds.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from couch_design_docs.models import User
from couch_design_docs.names import DatabaseNames, user_doc_id
from relaypacs.couch import CouchClient
from relaypacs.types import Doc

_cache: dict[tuple[str, str], tuple[float, Doc | None]] = {}


class UserStore:
    def __init__(self, couch: CouchClient, names: DatabaseNames, cache_seconds: float = 0.0):
        self._db = couch.db(names.users)
        self._cache_seconds = cache_seconds

    def _key(self, username: str) -> tuple[str, str]:
        return (self._db.name, username)

    async def get(self, username: str, *, fresh: bool = False) -> Doc | None:
        key = self._key(username)
        if not fresh and self._cache_seconds > 0:
            hit = _cache.get(key)
            if hit is not None and time.monotonic() - hit[0] < self._cache_seconds:
                return hit[1]
        doc = await self._db.get_or_none(user_doc_id(username))
        if self._cache_seconds > 0:
            _cache[key] = (time.monotonic(), doc)
            if len(_cache) > 10_000:
                _cache.clear()
        return doc

    async def update(self, username: str, change: Callable[[Doc | None], Doc | None]) -> Doc | None:
        """Read-modify-write (conflict retry); the result is validated by the contract."""

        def checked(current: Doc | None) -> Doc | None:
            new = change(current)
            if new is not None:
                new.setdefault("_id", user_doc_id(username))
                User.model_validate(new)
            return new

        try:
            return await self._db.update(user_doc_id(username), checked)
        finally:
            _cache.pop(self._key(username), None)

    async def all(self) -> list[Doc]:
        rows = await self._db.ids_with_prefix("user:", include_docs=True)
        return [row["doc"] for row in rows if row.get("doc")]


def public_user(doc: Doc, names: DatabaseNames | None = None) -> dict[str, Any]:
    """What the API shows of a user (never hashes, TOTP secrets or sessions)."""
    totp = doc.get("totp") or {}
    out: dict[str, Any] = {
        "username": doc["username"],
        "email": doc.get("email"),
        "role": doc["role"],
        "clinic": doc.get("clinic"),
        "active": doc.get("active", True),
        "totp_enabled": bool(totp.get("confirmed")),
        "locked_until": doc.get("locked_until"),
        "created_at": doc.get("created_at"),
    }
    return out
