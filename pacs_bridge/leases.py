"""Which bridge worker follows which clinic: one lease document per clinic.

Several bridge processes may run against one CouchDB; each clinic database is followed by
exactly one of them.  ``lease:<clinic>`` in the bridge database names its owner and an
expiry; taking or renewing it is a compare-and-set on the document's ``_rev`` (CouchDB's
MVCC answers 409 to the loser).  A worker renews its leases every third of the TTL; a
worker that dies stops renewing and another takes the clinic over when the lease expires.
A restarted worker with the same ``worker_id`` takes its own leases back at once.

Workers announce themselves with ``worker:<id>`` heartbeats.  Clinics are spread by
rendezvous hashing over the live workers: the preferred worker takes a free lease at once,
others only after it stayed free for a TTL (the preferred one may be stuck), and a holder
hands a clinic over when another live worker is preferred for it (a worker joined).
"""

from __future__ import annotations

import contextlib
import hashlib
from datetime import timedelta
from typing import Any

from couch_design_docs.timestamps import now_timestamp, parse_timestamp, to_timestamp, utcnow
from pacs_bridge.errors import map_couch_errors
from relaypacs.couch import Conflict, Database


def lease_id(clinic: str) -> str:
    return f"lease:{clinic}"


class Leases:
    def __init__(self, db: Database, owner: str, ttl: float) -> None:
        self.db = db
        self.owner = owner
        self.ttl = ttl

    async def acquire(self, clinic: str) -> bool:
        """Take or renew the clinic's lease; False if another live worker holds it."""
        now = utcnow()
        with map_couch_errors():
            current = await self.db.get_or_none(lease_id(clinic))
        if current is not None and current.get("owner") != self.owner:
            expires = parse_timestamp(current.get("expires_at"))
            if expires is not None and expires > now:
                return False
        doc: dict[str, Any] = {
            "_id": lease_id(clinic),
            "type": "lease",
            "clinic": clinic,
            "owner": self.owner,
            "expires_at": to_timestamp(now + timedelta(seconds=self.ttl)),
            "renewed_at": to_timestamp(now),
        }
        if current is not None:
            doc["_rev"] = current["_rev"]
        with map_couch_errors():
            try:
                await self.db.put(doc)
            except Conflict:  # another worker took or renewed it first
                return False
        return True

    async def heartbeat(self, *, leaving: bool = False) -> None:
        now = utcnow()
        expires = now if leaving else now + timedelta(seconds=self.ttl)
        body = {"type": "worker", "owner": self.owner, "expires_at": to_timestamp(expires)}
        with map_couch_errors():
            await self.db.update(f"worker:{self.owner}", lambda current: dict(body))

    async def live_workers(self) -> set[str]:
        now = utcnow()
        with map_couch_errors():
            rows = await self.db.ids_with_prefix("worker:", include_docs=True)
        live = {self.owner}
        for row in rows:
            doc = row.get("doc") or {}
            expires = parse_timestamp(doc.get("expires_at"))
            if expires is not None and expires > now:
                live.add(doc["owner"])
        return live

    async def holder(self, clinic: str) -> str | None:
        """The live owner of the clinic's lease, if any."""
        with map_couch_errors():
            current = await self.db.get_or_none(lease_id(clinic))
        if current is None:
            return None
        expires = parse_timestamp(current.get("expires_at"))
        return current.get("owner") if expires is not None and expires > utcnow() else None

    async def release(self, clinic: str) -> None:
        with map_couch_errors():
            current = await self.db.get_or_none(lease_id(clinic))
        if current is None or current.get("owner") != self.owner:
            return
        with map_couch_errors(), contextlib.suppress(Conflict):
            await self.db.put({**current, "expires_at": now_timestamp()})


def preferred(clinic: str, workers: set[str]) -> str:
    """Rendezvous (highest random weight) hashing: every worker computes the same answer."""
    return max(workers, key=lambda w: hashlib.sha256(f"{clinic}\0{w}".encode()).digest())
