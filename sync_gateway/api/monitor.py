"""``/api/v1/admin/{health,failures,audit}`` and the retry button (administrators only)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Response

from couch_design_docs.names import USERNAME_PATTERN, retry_request_doc_id, status_doc_id
from sync_gateway.deps import AdminAuth, ClientIP, State
from sync_gateway.monitoring import failures, health, trail


async def system_health(admin: AdminAuth, state: State) -> dict[str, Any]:
    return await health.system_health(state.couch, state.names, state.settings.bridge_stale_seconds)


async def list_failures(
    admin: AdminAuth,
    state: State,
    clinic: Annotated[str | None, Query(max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[dict[str, Any]]:
    return await failures.list_failures(state.couch, state.names, clinic=clinic, limit=limit)


async def retry_study(
    clinic_id: str, study_id: str, admin: AdminAuth, state: State, ip: ClientIP, response: Response
) -> dict[str, Any]:
    """Ask the bridge to run a failed or partial study again (202: accepted, not yet done)."""
    user = admin.user["username"]
    try:
        request, created = await failures.request_retry(
            state.couch, state.names, clinic_id, study_id, user
        )
    except Exception as exc:
        state.audit.record(
            user,
            "study_retry",
            role="admin",
            outcome="error",
            doc_ids=[status_doc_id(study_id)[:300]],
            ip=ip,
            detail=str(exc)[:500],
        )
        raise
    response.status_code = 202
    state.audit.record(
        user,
        "study_retry",
        role="admin",
        db=state.names.clinic(clinic_id),
        doc_ids=[status_doc_id(study_id), retry_request_doc_id(clinic_id, study_id)],
        ip=ip,
        detail=None if created else "already requested",
    )
    return {**request, "already_requested": not created}


async def audit_trail(
    admin: AdminAuth,
    state: State,
    actor: Annotated[str | None, Query(pattern=USERNAME_PATTERN + "|^\\?$")] = None,
    doc: Annotated[str | None, Query(min_length=1, max_length=300)] = None,
    before: Annotated[str | None, Query(min_length=10, max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:
    await state.audit.flushed()  # this process's queued events first
    return await trail.read_trail(
        state.couch, state.names, actor=actor, doc=doc, before=before, limit=limit
    )
