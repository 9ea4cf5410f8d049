"""Reports back: a radiologist's final report in the desk database reaches the clinic.

The desk's ``report:<clinic>:<study_id>`` is the radiologist's (draft, then final); the
clinic's ``report:<study_id>`` is a copy the bridge alone writes, so the author's phone gets
it by replication.  Carrying one report is idempotent and ordered so that a crash at any
point only means doing the rest again: copy (only when the content differs), then the
``report_final`` notification for the clinician who sealed the study (deterministic id,
created once, pushed when created), then the worklist entry marked ``reported`` — the desk's
sign that the clinic has it.  Drafts are never copied; a final report changed again later
(the PWA forbids it) is copied again and is news again.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Literal

from pydantic import ValidationError

from couch_design_docs.models import Report
from couch_design_docs.names import (
    claim_doc_id,
    desk_report_doc_id,
    report_doc_id,
    status_doc_id,
    study_doc_id,
    valid_clinic_id,
    worklist_doc_id,
)
from couch_design_docs.timestamps import now_timestamp
from pacs_bridge import publish
from pacs_bridge.errors import map_couch_errors

if TYPE_CHECKING:
    from pacs_bridge.pipeline import Context

log = logging.getLogger(__name__)

Carried = Literal["invalid", "draft", "refused", "copied", "unchanged"]

# fields of the clinic's copy that are compared to decide whether to write
_CONTENT = ("study_id", "clinic", "author", "state", "findings", "impression", "created_at",
            "updated_at", "signed_at", "schema_version", "type")  # fmt: skip


def clinic_copy(report: Report) -> dict[str, Any]:
    """The clinic database's copy: the same fields under ``report:<study_id>``."""
    body = report.to_doc()
    body.pop("_rev", None)
    body["_id"] = report_doc_id(report.study_id)
    return body


def _same(current: dict[str, Any], body: dict[str, Any]) -> bool:
    return all(current.get(k) == body.get(k) for k in _CONTENT)


async def carry_report(ctx: Context, doc: dict[str, Any]) -> Carried:
    """Carry one desk report document to its clinic (see the module's docstring)."""
    try:
        report = Report.model_validate(doc)
    except ValidationError:
        log.warning("desk document %s is not a valid report; skipped", doc.get("_id"))
        return "invalid"
    if not valid_clinic_id(report.clinic) or report.id != desk_report_doc_id(
        report.clinic, report.study_id
    ):
        log.warning("desk report %s does not name its clinic and study; skipped", report.id)
        return "invalid"
    if report.state != "final":
        return "draft"
    desk = ctx.couch.db(ctx.names.desk)
    clinic_db = ctx.couch.db(ctx.names.clinic(report.clinic))
    with map_couch_errors():
        claim = await desk.get_or_none(claim_doc_id(report.clinic, report.study_id))
        status = await clinic_db.get_or_none(status_doc_id(report.study_id))
        manifest = await clinic_db.get_or_none(study_doc_id(report.study_id))
    if claim is not None and claim.get("radiologist") != report.author:
        log.warning("report %s is not by the study's claimant; not carried", report.id)
        return "refused"
    clinician = (status or {}).get("author") or (manifest or {}).get("author")
    if not clinician:
        log.warning("report %s names no study the bridge knows; not carried", report.id)
        return "refused"

    body = clinic_copy(report)
    copied = False

    def copy(current: dict[str, Any] | None) -> dict[str, Any] | None:
        nonlocal copied
        copied = current is None or not _same(current, body)
        return dict(body) if copied else None

    now = now_timestamp()
    with map_couch_errors():
        await clinic_db.update(body["_id"], copy)
    notification = publish.report_notification(report, clinician, now, ctx.settings.app_url)
    if await publish.write_notification(clinic_db, notification) and ctx.push is not None:
        await publish.push(ctx.push, notification)
    await mark_reported(ctx, report, now)
    log.info(
        "report on %s/%s %s", report.clinic, report.study_id, "copied" if copied else "unchanged"
    )
    return "copied" if copied else "unchanged"


async def mark_reported(ctx: Context, report: Report, now: str) -> None:
    reported_at = report.signed_at or now

    def change(current: dict[str, Any] | None) -> dict[str, Any] | None:
        if current is None:
            return None  # no worklist entry (the desk never saw the study): nothing to mark
        if current.get("state") == "reported" and current.get("reported_at") == reported_at:
            return None
        return {**current, "state": "reported", "reported_at": reported_at}

    with map_couch_errors():
        await ctx.couch.db(ctx.names.desk).update(
            worklist_doc_id(report.clinic, report.study_id), change
        )
