"""Failed and partial studies with their reasons, and the admin's "retry" of one.

Failures are read from each clinic database's status documents (``studies_by_state``
view, state ``failed`` or ``partial``); no patient data is read or shown.  A retry is a
:class:`RetryRequest` document (``retry:<clinic>:<study_id>``) in the bridge database: the
bridge re-runs the study and deletes the request, so while one exists a second retry
answers the pending one instead of writing another.
"""

from __future__ import annotations

import asyncio
from typing import Any

from couch_design_docs.design import DESIGN_ID
from couch_design_docs.models import RetryRequest, StatusState
from couch_design_docs.names import DatabaseNames, retry_request_doc_id, status_doc_id
from couch_design_docs.timestamps import now_timestamp
from relaypacs.couch import Conflict as CouchConflict
from relaypacs.couch import CouchClient, CouchError
from relaypacs.types import Doc
from sync_gateway.accounts.service import get_clinic, list_clinics
from sync_gateway.errors import Conflict, NotFound, Unprocessable

RETRYABLE_STATES = (StatusState.failed.value, StatusState.partial.value)
DDOC = DESIGN_ID.removeprefix("_design/")


def failure_of(clinic_id: str, status: Doc, retry: Doc | None) -> dict[str, Any]:
    """What the admin page shows of one failed or partial study (codes and messages)."""
    errors = [
        {k: e.get(k) for k in ("code", "message", "destination", "retryable") if k in e}
        for e in status.get("errors", [])
        if isinstance(e, dict)
    ]
    for name, dest in (status.get("destinations") or {}).items():
        error = dest.get("error") if isinstance(dest, dict) else None
        if isinstance(error, dict) and not any(e.get("code") == error.get("code") for e in errors):
            errors.append(
                {"code": error.get("code"), "message": error.get("message"), "destination": name}
            )
    return {
        "clinic": clinic_id,
        "study_id": status.get("study_id"),
        "state": status.get("state"),
        "author": status.get("author"),
        "updated_at": status.get("updated_at"),
        "errors": errors,
        "destinations": {
            name: dest.get("state")
            for name, dest in (status.get("destinations") or {}).items()
            if isinstance(dest, dict)
        },
        "retry": retry_view(retry) if retry else None,
    }


def retry_view(doc: Doc) -> dict[str, Any]:
    return {k: doc.get(k) for k in ("clinic", "study_id", "requested_by", "requested_at")}


async def _clinic_failures(couch: CouchClient, names: DatabaseNames, clinic_id: str) -> list[Doc]:
    db = couch.db(names.clinic(clinic_id))
    docs: list[Doc] = []
    for state in RETRYABLE_STATES:
        try:
            result = await db.view(
                DDOC,
                "studies_by_state",
                reduce=False,
                include_docs=True,
                startkey=[state],
                endkey=[state, {}],
            )
        except CouchError:
            continue
        docs += [row["doc"] for row in result.get("rows", []) if row.get("doc")]
    return docs


async def pending_retries(couch: CouchClient, names: DatabaseNames) -> dict[str, Doc]:
    try:
        rows = await couch.db(names.bridge).ids_with_prefix("retry:", include_docs=True)
    except CouchError:
        return {}
    return {row["id"]: row["doc"] for row in rows if row.get("doc")}


async def list_failures(
    couch: CouchClient, names: DatabaseNames, *, clinic: str | None = None, limit: int = 200
) -> list[dict[str, Any]]:
    clinic_ids = [clinic] if clinic else [c["clinic_id"] for c in await list_clinics(couch, names)]
    per_clinic, retries = await asyncio.gather(
        asyncio.gather(*(_clinic_failures(couch, names, c) for c in clinic_ids)),
        pending_retries(couch, names),
    )
    items = [
        failure_of(
            clinic_id,
            status,
            retries.get(retry_request_doc_id(clinic_id, str(status.get("study_id")))),
        )
        for clinic_id, docs in zip(clinic_ids, per_clinic, strict=True)
        for status in docs
    ]
    items.sort(key=lambda item: str(item.get("updated_at") or ""), reverse=True)
    return items[:limit]


async def request_retry(
    couch: CouchClient, names: DatabaseNames, clinic_id: str, study_id: str, admin: str
) -> tuple[dict[str, Any], bool]:
    """Ask the bridge to retry a failed or partial study; (the request, whether it is new).

    Raises NotFound (no such clinic or study status), Conflict (the study is not failed
    or partial) or Unprocessable (malformed ids).
    """
    if await get_clinic(couch, names, clinic_id) is None:
        raise NotFound(f"no clinic {clinic_id}")
    try:
        request = RetryRequest(
            _id=retry_request_doc_id(clinic_id, study_id),
            clinic=clinic_id,
            study_id=study_id,
            requested_by=admin,
            requested_at=now_timestamp(),
        )
    except ValueError as exc:
        raise Unprocessable(f"malformed study id {study_id!r}") from exc
    status = await couch.db(names.clinic(clinic_id)).get_or_none(status_doc_id(study_id))
    if status is None:
        raise NotFound(f"{clinic_id}/{study_id}: the bridge has no status for this study")
    if status.get("state") not in RETRYABLE_STATES:
        raise Conflict(
            f"{clinic_id}/{study_id} is {status.get('state')}; only failed or partial "
            "studies are retried"
        )
    bridge = couch.db(names.bridge)
    doc = request.to_doc()
    try:
        await bridge.put(doc)
        return retry_view(doc), True
    except CouchConflict:
        existing = await bridge.get_or_none(doc["_id"])
        if existing is None:  # handled and deleted in between: ask again
            doc.pop("_rev", None)
            await bridge.put(doc)
            return retry_view(doc), True
        return retry_view(existing), False
