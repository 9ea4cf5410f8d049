"""``health:<worker>``: what this worker reports about itself for the admin page.

Written every ``health_interval`` seconds (a :class:`BridgeHealth` document in the bridge
database): per clinic it follows, the changes not yet checkpointed and its open, waiting
and retrying studies; the queue depth; the latest failed or partial studies with their
reason.  Identifiers and codes only — no patient data.
"""

from __future__ import annotations

import logging

from couch_design_docs.models import BridgeHealth, ClinicHealth, FailedStudy
from couch_design_docs.names import bridge_health_doc_id
from couch_design_docs.timestamps import now_timestamp
from pacs_bridge.errors import Retryable, map_couch_errors
from pacs_bridge.pipeline import Context
from pacs_bridge.state import Job
from relaypacs.couch import CouchError

log = logging.getLogger(__name__)

MAX_FAILED = 200


async def all_jobs(ctx: Context) -> list[Job]:
    with map_couch_errors():
        rows = await ctx.state.db.ids_with_prefix("job:", include_docs=True)
    return [Job.model_validate(row["doc"]) for row in rows if row.get("doc")]


async def pending_changes(ctx: Context, clinic: str) -> int | None:
    """Changes past the checkpoint, when sequences are numbers (not on CouchDB 3)."""
    db_name = ctx.names.clinic(clinic)
    try:
        info = await ctx.couch.db(db_name).info()
        done = await ctx.state.checkpoint(db_name)
    except (CouchError, Retryable):
        return None
    current = info.get("update_seq")
    if isinstance(current, int) and isinstance(done, int):
        return max(0, current - done)
    return None


async def build_health(ctx: Context, held: set[str], started_at: str) -> BridgeHealth:
    jobs = [job for job in await all_jobs(ctx) if job.clinic in held]
    clinics = {}
    for clinic in sorted(held):
        mine = [job for job in jobs if job.clinic == clinic]
        clinics[clinic] = ClinicHealth(
            db=ctx.names.clinic(clinic),
            pending_changes=await pending_changes(ctx, clinic),
            open_jobs=sum(1 for job in mine if job.state != "done"),
            waiting=sum(1 for job in mine if job.state == "waiting"),
            retrying=sum(1 for job in mine if job.state == "retrying"),
        )
    failed = sorted(
        (job for job in jobs if job.state == "done" and job.result in ("failed", "partial")),
        key=lambda job: job.result_at or "",
        reverse=True,
    )[:MAX_FAILED]
    worker = ctx.settings.worker_id
    return BridgeHealth(
        _id=bridge_health_doc_id(worker),
        worker=worker,
        started_at=started_at,
        at=now_timestamp(),
        clinics=clinics,
        queue_depth=sum(1 for job in jobs if job.state != "done"),
        failed=[
            FailedStudy(
                clinic=job.clinic,
                study_id=job.study_id,
                state=job.result,
                code=(job.result_code or "")[:64] or None,
                message=(job.result_message or "")[:1000] or None,
                at=job.result_at or job.updated_at,
            )
            for job in failed
        ],
    )


async def report_health(ctx: Context, held: set[str], started_at: str) -> None:
    try:
        health = await build_health(ctx, held, started_at)
        body = health.to_doc()
        body.pop("_rev", None)
        with map_couch_errors():
            await ctx.state.db.update(health.id, lambda current: dict(body))
    except (CouchError, Retryable) as exc:
        log.info("health not reported: %s", type(exc).__name__)
