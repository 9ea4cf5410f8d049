"""System health for the admin page: bridge workers and each clinic's studies by state.

Bridge workers write ``health:<worker>`` documents (:class:`BridgeHealth`) in the bridge
database every few seconds; one whose ``at`` is older than ``bridge_stale_seconds`` is
reported stale (stopped, or cut off from CouchDB).  Per clinic, the status documents are
counted by state with the clinic database's ``studies_by_state`` view (``group_level=1``):
the queue is every study not yet in a final state.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from couch_design_docs.design import DESIGN_ID
from couch_design_docs.models import FINAL_STATES, StatusState
from couch_design_docs.names import DatabaseNames
from couch_design_docs.timestamps import parse_timestamp, to_timestamp
from relaypacs.couch import CouchClient, CouchError
from relaypacs.types import Doc
from sync_gateway.accounts.service import list_clinics

QUEUED_STATES = [s.value for s in StatusState if s not in FINAL_STATES]


def age_seconds(at: str | None, now: datetime) -> float | None:
    if not at:
        return None
    try:
        moment = parse_timestamp(at)
    except ValueError:
        return None
    assert moment is not None
    return round((now - moment).total_seconds(), 1)


def worker_health(doc: Doc, now: datetime, stale_after: float) -> dict[str, Any]:
    """One worker's health document as the admin page shows it (stale ones marked)."""
    age = age_seconds(doc.get("at"), now)
    return {
        "worker": doc.get("worker"),
        "started_at": doc.get("started_at"),
        "at": doc.get("at"),
        "age_seconds": age,
        "stale": age is None or age > stale_after,
        "queue_depth": doc.get("queue_depth", 0),
        "clinics": doc.get("clinics", {}),
        "failed": doc.get("failed", []),
    }


def clinic_counts(rows: list[dict[str, Any]]) -> dict[str, int]:
    """``studies_by_state`` rows at group_level=1 (``[[state], n]``) -> {state: n}."""
    counts = {s.value: 0 for s in StatusState}
    for row in rows:
        key = row.get("key")
        state = key[0] if isinstance(key, list) and key else key
        if isinstance(state, str):
            counts[state] = counts.get(state, 0) + int(row.get("value") or 0)
    return counts


async def bridge_workers(
    couch: CouchClient, names: DatabaseNames, now: datetime, stale_after: float
) -> list[dict[str, Any]]:
    try:
        rows = await couch.db(names.bridge).ids_with_prefix("health:", include_docs=True)
    except CouchError:
        return []
    return [worker_health(r["doc"], now, stale_after) for r in rows if r.get("doc")]


async def clinic_health(couch: CouchClient, names: DatabaseNames, clinic: dict) -> dict[str, Any]:
    clinic_id = clinic["clinic_id"]
    out: dict[str, Any] = {
        "clinic_id": clinic_id,
        "name": clinic.get("name"),
        "active": clinic.get("active", True),
        "db": names.clinic(clinic_id),
    }
    try:
        result = await couch.db(out["db"]).view(
            DESIGN_ID.removeprefix("_design/"), "studies_by_state", group_level=1
        )
    except CouchError as exc:
        return out | {"error": f"counts unavailable: {type(exc).__name__}"}
    counts = clinic_counts(result.get("rows", []))
    return out | {
        "states": counts,
        "queued": sum(counts.get(s, 0) for s in QUEUED_STATES),
        "failed": counts.get(StatusState.failed.value, 0),
        "partial": counts.get(StatusState.partial.value, 0),
        "delivered": counts.get(StatusState.delivered.value, 0),
    }


async def system_health(
    couch: CouchClient, names: DatabaseNames, stale_after: float
) -> dict[str, Any]:
    now = datetime.now(UTC)
    clinics = await list_clinics(couch, names)
    workers, per_clinic = await asyncio.gather(
        bridge_workers(couch, names, now, stale_after),
        asyncio.gather(*(clinic_health(couch, names, c) for c in clinics)),
    )
    alive = [w for w in workers if not w["stale"]]
    totals = {
        key: sum(c.get(key, 0) for c in per_clinic)
        for key in ("queued", "failed", "partial", "delivered")
    }
    problems = []
    if not alive:
        problems.append(f"no bridge worker reported in the last {stale_after:g} s")
    if totals["failed"] or totals["partial"]:
        problems.append(f"{totals['failed'] + totals['partial']} studies failed or partial")
    return {
        "at": to_timestamp(now, "seconds"),
        "status": "ok" if not problems else "degraded",
        "problems": problems,
        "bridge": {
            "workers": workers,
            "alive": len(alive),
            "stale": len(workers) - len(alive),
            "stale_after_seconds": stale_after,
        },
        "totals": totals,
        "clinics": list(per_clinic),
    }
