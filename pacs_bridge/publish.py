"""What the bridge tells people: the desk's worklist entry and the author's notification.

Both have deterministic ids (``worklist:<clinic>:<study>``, ``notification:<author>:<event>``)
so a re-run writes nothing new; both are written with conflict-retrying updates.
"""

from __future__ import annotations

import logging
from typing import Any

from couch_design_docs.models import (
    Clinic,
    Notification,
    NotificationKind,
    Status,
    StatusState,
    Study,
    WorklistEntry,
)
from couch_design_docs.names import notification_doc_id, worklist_doc_id
from pacs_bridge.errors import map_couch_errors
from relaypacs.couch import Database
from relaypacs.webpush import PushMessage, WebPushSender

log = logging.getLogger(__name__)

WORKLIST_STATE = {
    StatusState.delivered: "delivered",
    StatusState.partial: "partial",
    StatusState.failed: "failed",
}


def viewer_url(template: str | None, study: Study) -> str | None:
    if not template:
        return None
    return template.format(study_uid=study.study.instance_uid, study_id=study.study_id)


def worklist_entry(
    study: Study,
    status: Status,
    clinic: Clinic | None,
    *,
    viewer: str | None,
    delivered_at: str | None,
) -> WorklistEntry:
    state = WORKLIST_STATE.get(StatusState(status.state), "received")
    delivered = {
        uid for d in status.destinations.values() for uid in (*d.delivered, *d.already_present)
    }
    return WorklistEntry(
        _id=worklist_doc_id(study.clinic, study.study_id),
        study_id=study.study_id,
        clinic=study.clinic,
        clinic_name=clinic.name if clinic else None,
        author=study.author,
        patient=study.patient,
        study=study.study,
        priority=study.priority,
        notes=study.notes,
        state=state,
        instance_count=len(delivered) if delivered else len(study.files),
        received_at=status.created_at,
        delivered_at=delivered_at,
        viewer_url=viewer if state in ("delivered", "partial") else None,
    )


async def write_worklist(desk: Database, entry: WorklistEntry) -> None:
    """Upsert, keeping what the desk added (``reported`` state and time)."""
    body = entry.to_doc()
    body.pop("_rev", None)

    def change(current: dict[str, Any] | None) -> dict[str, Any] | None:
        new = dict(body)
        if current is not None:
            if current.get("state") == "reported":
                new["state"] = "reported"
            for keep in ("reported_at",):
                if current.get(keep):
                    new[keep] = current[keep]
            new["received_at"] = current.get("received_at", new["received_at"])
            if {k: v for k, v in current.items() if k != "_rev"} == new:
                return None
        return new

    with map_couch_errors():
        await desk.update(entry.id, change)


def notification_for(study: Study, status: Status, now: str, app_url: str | None) -> Notification:
    state = StatusState(status.state)
    failed_files = [f.name for f in status.files.values() if f.state == "failed"]
    if state == StatusState.delivered:
        kind = NotificationKind.study_delivered
        title = "Study delivered to Radiology"
        body = (
            f"All {len(status.files)} images arrived in the PACS; "
            "every checksum was verified on the way."
        )
    elif state == StatusState.partial:
        kind = NotificationKind.study_failed
        title = "Study partly delivered — some files need attention"
        body = "Not delivered: " + ", ".join(failed_files[:10]) if failed_files else ""
        if not failed_files:
            body = "Some destinations did not confirm every image."
    else:
        kind = NotificationKind.study_failed
        title = "Study could not be delivered"
        reasons = [e.message for e in status.errors[:3]]
        body = " ".join(reasons) or "See the study for details."
    key = f"{state.value}-{study.study_id}-{len(status.files)}"
    return Notification(
        _id=notification_doc_id(study.author, key),
        user=study.author,
        kind=kind,
        study_id=study.study_id,
        clinic=study.clinic,
        title=title,
        body=body[:1000],
        url=app_url.format(study_id=study.study_id) if app_url else None,
        created_at=now,
    )


async def write_notification(db: Database, notification: Notification) -> bool:
    """Create once; an existing notification (maybe already read) is left alone."""
    body = notification.to_doc()

    def change(current: dict[str, Any] | None) -> dict[str, Any] | None:
        return None if current is not None else body

    with map_couch_errors():
        existing = await db.get_or_none(notification.id)
        if existing is not None:
            return False
        await db.update(notification.id, change)
    return True


async def push(sender: WebPushSender, notification: Notification) -> None:
    """Best effort: the notification document is the news, the push only rings the bell."""
    message = PushMessage(
        notification.title,
        notification.body[:200],
        notification.url or f"/studies/{notification.study_id}",
        tag=notification.study_id,
    )
    try:
        await sender.notify(notification.user, message)
    except Exception as exc:  # a push service or its library failing must not fail a study
        log.info("push for %s not sent: %s", notification.study_id, type(exc).__name__)
