"""What the bridge tells people: the desk's worklist entry and the notifications.

All have deterministic ids (``worklist:<clinic>:<study>``, ``notification:<user>:<event>``)
so a re-run writes nothing new; all are written with conflict-retrying updates.  Links in
notifications and pushes name app pages by path (``/studies/<id>``, ``/reports/<id>``,
``/desk/<clinic>/<id>``), which the PWA and its service worker route.
"""

from __future__ import annotations

import hashlib
import logging
import string
from typing import Any

from couch_design_docs.models import (
    Clinic,
    Notification,
    NotificationKind,
    Priority,
    Report,
    Role,
    Status,
    StatusState,
    Study,
    WorklistEntry,
)
from couch_design_docs.names import DatabaseNames, notification_doc_id, worklist_doc_id
from pacs_bridge.errors import map_couch_errors
from relaypacs.couch import CouchClient, Database
from relaypacs.webpush import PushMessage, WebPushSender

log = logging.getLogger(__name__)

WORKLIST_STATE = {
    StatusState.delivered: "delivered",
    StatusState.partial: "partial",
    StatusState.failed: "failed",
}


VIEWER_FIELDS = frozenset({"study_uid", "study_id", "orthanc_id"})


def orthanc_study_id(patient_id: str | None, study_uid: str) -> str:
    """Orthanc's identifier of a study: SHA-1 of ``PatientID|StudyInstanceUID`` written as
    five dash-separated groups of 8 hex digits (Orthanc's ``DicomInstanceHasher``)."""
    digest = hashlib.sha1(
        f"{(patient_id or '').strip()}|{study_uid}".encode(), usedforsecurity=False
    ).hexdigest()
    return "-".join(digest[i : i + 8] for i in range(0, 40, 8))


def viewer_url(template: str | None, study: Study) -> str | None:
    """The worklist's viewer link, or None.  Never raises: a template with an unknown or
    malformed placeholder is an administrator's typo, not a reason to fail a study."""
    if not template:
        return None
    try:
        fields = [
            (name, spec, conversion)
            for _, name, spec, conversion in string.Formatter().parse(template)
            if name is not None
        ]
    except ValueError as exc:
        log.warning("viewer link template is malformed (%s); no link", exc)
        return None
    unknown = sorted({name for name, spec, conv in fields if name not in VIEWER_FIELDS or spec
                      or conv})  # fmt: skip
    if unknown:
        log.warning(
            "viewer link template has unknown placeholders %s (known: %s); no link",
            unknown,
            ", ".join(sorted(VIEWER_FIELDS)),
        )
        return None
    values = {"study_uid": study.study.instance_uid, "study_id": study.study_id}
    if any(name == "orthanc_id" for name, _, _ in fields):
        values["orthanc_id"] = orthanc_study_id(study.patient.id, study.study.instance_uid)
    url = template.format_map(values)
    return url if len(url) <= 1000 else None


def app_link(app_url: str | None, path: str) -> str:
    """A page of the app: its path, under ``app_url`` (the app's origin) when configured."""
    base = (app_url or "").split("#", 1)[0].rstrip("/")
    return (base if "{" not in base else "") + path


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
        url=app_link(app_url, f"/studies/{study.study_id}"),
        created_at=now,
    )


URGENT = frozenset({Priority.urgent.value, Priority.stat.value})


def urgent_notification(
    study: Study, radiologist: str, now: str, app_url: str | None
) -> Notification:
    """The desk's "urgent study to read" for one radiologist (kept in the desk database)."""
    modalities = "/".join(study.study.modalities) or "Study"
    return Notification(
        _id=notification_doc_id(radiologist, f"urgent-{study.clinic}-{study.study_id}"),
        user=radiologist,
        kind=NotificationKind.study_urgent,
        study_id=study.study_id,
        clinic=study.clinic,
        title=f"{str(study.priority).upper()} study to read",
        body=f"{modalities} from {study.clinic}, in the PACS now.",
        url=app_link(app_url, f"/desk/{study.clinic}/{study.study_id}"),
        created_at=now,
    )


async def radiologists(couch: CouchClient, names: DatabaseNames) -> list[str]:
    """Active radiologists (``user:`` documents of the users database)."""
    with map_couch_errors():
        rows = await couch.db(names.users).ids_with_prefix("user:", include_docs=True)
    return sorted(
        doc["username"]
        for doc in (row.get("doc") or {} for row in rows)
        if doc.get("type") == "user"
        and doc.get("role") == Role.radiologist.value
        and doc.get("active", True)
        and doc.get("username")
    )


def report_content_key(report: Report) -> str:
    """Short digest of what a reader sees: a changed final report is news again."""
    text = "\0".join((report.author, report.findings, report.impression, report.signed_at or ""))
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def report_notification(
    report: Report, clinician: str, now: str, app_url: str | None
) -> Notification:
    return Notification(
        _id=notification_doc_id(
            clinician, f"report-{report.study_id}-{report_content_key(report)}"
        ),
        user=clinician,
        kind=NotificationKind.report_final,
        study_id=report.study_id,
        clinic=report.clinic,
        title="Report ready",
        body=f"{report.author} signed the report.",  # no clinical text on a lock screen
        url=app_link(app_url, f"/reports/{report.study_id}"),
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


async def notify_desk(
    couch: CouchClient,
    names: DatabaseNames,
    sender: WebPushSender | None,
    study: Study,
    now: str,
    app_url: str | None,
) -> int:
    """An urgent or stat study is in the PACS: tell every active radiologist, once."""
    if str(study.priority) not in URGENT:
        return 0
    desk = couch.db(names.desk)
    written = 0
    for radiologist in await radiologists(couch, names):
        notification = urgent_notification(study, radiologist, now, app_url)
        if await write_notification(desk, notification):
            written += 1
            if sender is not None:
                await push(sender, notification)
    return written


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
