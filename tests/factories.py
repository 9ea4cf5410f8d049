"""Valid example documents of every type, for tests to start from and break on purpose."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from couch_design_docs import names as ids

NOW = "2026-11-28T12:00:00Z"
STUDY_ID = "s0a1b2c3d4e5f6a7"
STUDY_UID = "1.2.826.0.1.3680043.8.498.1"
SERIES_UID = "1.2.826.0.1.3680043.8.498.1.1"
SOP_UID = "1.2.826.0.1.3680043.8.498.1.1.1"
PAYLOAD = b"DICM-like test payload " * 10
SHA = hashlib.sha256(PAYLOAD).hexdigest()


def study(clinic: str = "north", **over: Any) -> dict[str, Any]:
    doc = {
        "_id": ids.study_doc_id(STUDY_ID),
        "type": "study",
        "schema_version": 1,
        "study_id": STUDY_ID,
        "clinic": clinic,
        "author": "amina",
        "state": "sealed",
        "created_at": NOW,
        "sealed_at": NOW,
        "priority": "urgent",
        "notes": "query appendicitis",
        "patient": {"name": "DOE^JANE", "id": "P1"},
        "study": {"instance_uid": STUDY_UID, "modalities": ["CT"]},
        "chunk_size": 1048576,
        "files": [
            {
                "file_id": SHA,
                "name": "IM0001.dcm",
                "size": len(PAYLOAD),
                "sha256": SHA,
                "chunk_count": 1,
                "sop_instance_uid": SOP_UID,
                "series_instance_uid": SERIES_UID,
                "study_instance_uid": STUDY_UID,
                "modality": "CT",
            }
        ],
    }
    doc.update(over)
    return doc


def chunk(clinic: str = "north", data: bytes = PAYLOAD, **over: Any) -> dict[str, Any]:
    doc = {
        "_id": ids.chunk_doc_id(STUDY_ID, SHA, 0),
        "type": "chunk",
        "schema_version": 1,
        "study_id": STUDY_ID,
        "file_id": SHA,
        "index": 0,
        "sha256": hashlib.sha256(data).hexdigest(),
        "size": len(data),
        "clinic": clinic,
        "author": "amina",
        "_attachments": {
            "data": {
                "content_type": "application/octet-stream",
                "data": base64.b64encode(data).decode(),
            }
        },
    }
    doc.update(over)
    return doc


def status(clinic: str = "north", **over: Any) -> dict[str, Any]:
    doc = {
        "_id": ids.status_doc_id(STUDY_ID),
        "type": "status",
        "schema_version": 1,
        "study_id": STUDY_ID,
        "clinic": clinic,
        "author": "amina",
        "state": "delivered",
        "created_at": NOW,
        "updated_at": NOW,
        "history": [{"state": "received", "at": NOW}, {"state": "delivered", "at": NOW}],
        "files": {SHA: {"name": "IM0001.dcm", "state": "delivered", "sha256": SHA}},
        "destinations": {"orthanc": {"state": "delivered", "total": 1, "delivered": [SOP_UID]}},
        "errors": [],
    }
    doc.update(over)
    return doc


def report(clinic: str = "north", desk: bool = False, **over: Any) -> dict[str, Any]:
    doc_id = ids.desk_report_doc_id(clinic, STUDY_ID) if desk else ids.report_doc_id(STUDY_ID)
    doc = {
        "_id": doc_id,
        "type": "report",
        "schema_version": 1,
        "study_id": STUDY_ID,
        "clinic": clinic,
        "author": "osei",
        "state": "final",
        "findings": "No acute findings.",
        "impression": "Normal.",
        "created_at": NOW,
        "updated_at": NOW,
        "signed_at": NOW,
    }
    doc.update(over)
    return doc


def notification(clinic: str = "north", **over: Any) -> dict[str, Any]:
    doc = {
        "_id": ids.notification_doc_id("amina", f"delivered-{STUDY_ID}"),
        "type": "notification",
        "schema_version": 1,
        "user": "amina",
        "kind": "study_delivered",
        "study_id": STUDY_ID,
        "clinic": clinic,
        "title": "Study delivered to Radiology",
        "created_at": NOW,
        "read": False,
    }
    doc.update(over)
    return doc


def worklist(clinic: str = "north", **over: Any) -> dict[str, Any]:
    doc = {
        "_id": ids.worklist_doc_id(clinic, STUDY_ID),
        "type": "worklist",
        "schema_version": 1,
        "study_id": STUDY_ID,
        "clinic": clinic,
        "author": "amina",
        "study": {"instance_uid": STUDY_UID, "modalities": ["CT"]},
        "priority": "urgent",
        "state": "delivered",
        "instance_count": 1,
        "received_at": NOW,
    }
    doc.update(over)
    return doc


def claim(clinic: str = "north", **over: Any) -> dict[str, Any]:
    doc = {
        "_id": ids.claim_doc_id(clinic, STUDY_ID),
        "type": "claim",
        "schema_version": 1,
        "study_id": STUDY_ID,
        "clinic": clinic,
        "radiologist": "osei",
        "claimed_at": NOW,
    }
    doc.update(over)
    return doc


def clinic(clinic_id: str = "north", **over: Any) -> dict[str, Any]:
    doc = {
        "_id": ids.clinic_doc_id(clinic_id),
        "type": "clinic",
        "schema_version": 1,
        "clinic_id": clinic_id,
        "name": "North Clinic",
        "destinations": [
            {"name": "orthanc", "kind": "orthanc", "stow_url": "http://127.0.0.1:8042/dicom-web"}
        ],
        "created_at": NOW,
    }
    doc.update(over)
    return doc


def user(username: str = "amina", **over: Any) -> dict[str, Any]:
    doc = {
        "_id": ids.user_doc_id(username),
        "type": "user",
        "schema_version": 1,
        "username": username,
        "role": "clinician",
        "clinic": "north",
        "password_hash": "$2b$12$" + "x" * 53,
        "created_at": NOW,
    }
    doc.update(over)
    return doc


def audit(**over: Any) -> dict[str, Any]:
    doc = {
        "_id": "audit:2026-11-28T12:00:00Z:0001",
        "type": "audit",
        "schema_version": 1,
        "at": NOW,
        "actor": "amina",
        "action": "login",
    }
    doc.update(over)
    return doc


def push_subscription(user: str = "amina", **over: Any) -> dict[str, Any]:
    endpoint = "https://push.example.test/v1/abc"
    doc = {
        "_id": ids.push_subscription_doc_id(user, endpoint),
        "type": "push_subscription",
        "schema_version": 1,
        "user": user,
        "endpoint": endpoint,
        "keys": {"p256dh": "B" * 87, "auth": "a" * 22},
        "created_at": NOW,
    }
    doc.update(over)
    return doc
