"""The document contract: one pydantic model per document type.

These models are the single source of truth.  Python code (gateway, bridge, tools) parses
and builds documents with them, and ``couch_design_docs.design`` turns their JSON schemas
into the ``validate_doc_update`` functions that CouchDB itself runs, so the server refuses
a malformed document with the same rule, whoever wrote it.

Every document is single-writer (see DESIGN.md): a clinician writes ``study`` and
``chunk``; only the bridge writes ``status``, ``worklist`` and ``notification`` (the owner
may then flip ``read``); a radiologist writes ``report`` and ``claim``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from couch_design_docs.names import (
    CLINIC_ID_PATTERN,
    SHA256_PATTERN,
    STUDY_ID_PATTERN,
    UID_PATTERN,
    USERNAME_PATTERN,
)

SCHEMA_VERSION = 1
CHUNK_SIZE = 1024 * 1024  # ~1 MiB chunk attachments: the reliable size for replication
MAX_CHUNK_SIZE = 4 * 1024 * 1024
CHUNK_ATTACHMENT = "data"

Sha256 = Annotated[str, Field(pattern=SHA256_PATTERN)]
Md5 = Annotated[str, Field(pattern=r"^[0-9a-f]{32}$")]
Uid = Annotated[str, Field(pattern=UID_PATTERN, max_length=64)]
ClinicId = Annotated[str, Field(pattern=CLINIC_ID_PATTERN)]
StudyId = Annotated[str, Field(pattern=STUDY_ID_PATTERN)]
Username = Annotated[str, Field(pattern=USERNAME_PATTERN)]
Timestamp = Annotated[str, Field(min_length=10, max_length=40)]  # ISO 8601, UTC
ShortText = Annotated[str, Field(max_length=256)]


class Priority(StrEnum):
    routine = "routine"
    urgent = "urgent"
    stat = "stat"


class StudyState(StrEnum):
    draft = "draft"
    sealed = "sealed"


class StatusState(StrEnum):
    """Where a study is on its way to the PACS (written by the bridge only)."""

    received = "received"
    assembling = "assembling"
    validating = "validating"
    stored = "stored"
    delivering = "delivering"
    delivered = "delivered"
    failed = "failed"
    partial = "partial"


FINAL_STATES = frozenset({StatusState.delivered, StatusState.failed, StatusState.partial})


class Role(StrEnum):
    clinician = "clinician"
    radiographer = "radiographer"
    radiologist = "radiologist"
    admin = "admin"


CLINIC_ROLES = frozenset({Role.clinician, Role.radiographer})


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, use_enum_values=True)


class Document(Strict):
    """Fields every stored document has. ``_id``/``_rev`` are CouchDB's."""

    doc_type: ClassVar[str]
    id: str = Field(alias="_id")
    rev: str | None = Field(default=None, alias="_rev")
    schema_version: Literal[1] = SCHEMA_VERSION

    def to_doc(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True, exclude_none=True, mode="json")


# -- clinician-written ---------------------------------------------------------------------


class Patient(Strict):
    name: ShortText | None = None
    id: ShortText | None = None
    birth_date: Annotated[str, Field(max_length=8)] | None = None
    sex: Annotated[str, Field(max_length=16)] | None = None


class StudyInfo(Strict):
    instance_uid: Uid
    date: Annotated[str, Field(max_length=8)] | None = None
    time: Annotated[str, Field(max_length=16)] | None = None
    description: ShortText | None = None
    accession_number: ShortText | None = None
    modalities: list[Annotated[str, Field(max_length=16)]] = Field(default_factory=list)


class StudyFile(Strict):
    """One DICOM file of a study; ``file_id`` is its sha256 (content addressed)."""

    file_id: Sha256
    name: Annotated[str, Field(min_length=1, max_length=255)]
    size: Annotated[int, Field(ge=1)]
    sha256: Sha256
    chunk_count: Annotated[int, Field(ge=1)]
    sop_instance_uid: Uid
    sop_class_uid: Uid | None = None
    series_instance_uid: Uid
    study_instance_uid: Uid
    modality: Annotated[str, Field(max_length=16)] | None = None
    series_number: int | None = None
    series_description: ShortText | None = None
    instance_number: int | None = None


class Study(Document):
    """The study manifest: what the clinician captured and sealed."""

    doc_type: ClassVar[str] = "study"
    type: Literal["study"] = "study"
    study_id: StudyId
    clinic: ClinicId
    author: Username
    state: StudyState = StudyState.draft
    created_at: Timestamp
    sealed_at: Timestamp | None = None
    priority: Priority = Priority.routine
    notes: Annotated[str, Field(max_length=4000)] = ""
    patient: Patient = Field(default_factory=Patient)
    study: StudyInfo
    chunk_size: Annotated[int, Field(ge=64 * 1024, le=MAX_CHUNK_SIZE)] = CHUNK_SIZE
    files: Annotated[list[StudyFile], Field(max_length=20000)] = Field(default_factory=list)


class Chunk(Document):
    """One ~1 MiB piece of one file, carried as the binary attachment ``data``."""

    doc_type: ClassVar[str] = "chunk"
    type: Literal["chunk"] = "chunk"
    study_id: StudyId
    file_id: Sha256
    index: Annotated[int, Field(ge=0)]
    sha256: Sha256
    size: Annotated[int, Field(ge=1, le=MAX_CHUNK_SIZE)]
    clinic: ClinicId
    author: Username
    attachments: dict[str, Any] | None = Field(default=None, alias="_attachments")


# -- bridge-written ------------------------------------------------------------------------


class StatusError(Strict):
    """A failure a clinician can read (``message``) with the technical ``detail`` beside it."""

    code: Annotated[str, Field(max_length=64)]
    message: Annotated[str, Field(max_length=1000)]
    detail: Annotated[str, Field(max_length=4000)] | None = None
    file_id: Sha256 | None = None
    file_name: ShortText | None = None
    destination: ShortText | None = None
    retryable: bool = False


class HistoryEntry(Strict):
    state: StatusState
    at: Timestamp


class FileStatus(Strict):
    name: ShortText
    state: Literal["pending", "assembled", "valid", "stored", "delivered", "failed"]
    sha256: Sha256
    # MD5 of the same bytes, computed while assembling: what Orthanc reports for the file it
    # keeps, so the integrity receipt compares without reading the archive again
    md5: Md5 | None = None
    sop_instance_uid: Uid | None = None
    object_key: Annotated[str, Field(max_length=512)] | None = None
    stored_at: Timestamp | None = None
    error: StatusError | None = None


class DestinationStatus(Strict):
    state: Literal["pending", "delivering", "delivered", "partial", "failed", "retrying"]
    total: Annotated[int, Field(ge=0)] = 0
    delivered: list[Uid] = Field(default_factory=list)
    failed: list[Uid] = Field(default_factory=list)
    already_present: list[Uid] = Field(default_factory=list)
    # the integrity receipt: instances whose bytes at the PACS were checked against what
    # was sent and matched (Orthanc: its stored MD5 of each file)
    verified: list[Uid] = Field(default_factory=list)
    attempts: Annotated[int, Field(ge=0)] = 0
    last_attempt_at: Timestamp | None = None
    next_attempt_at: Timestamp | None = None
    delivered_at: Timestamp | None = None
    error: StatusError | None = None


class Status(Document):
    doc_type: ClassVar[str] = "status"
    type: Literal["status"] = "status"
    study_id: StudyId
    clinic: ClinicId
    author: Username
    state: StatusState
    manifest_rev: str | None = None
    created_at: Timestamp
    updated_at: Timestamp
    history: list[HistoryEntry] = Field(default_factory=list)
    files: dict[str, FileStatus] = Field(default_factory=dict)
    destinations: dict[str, DestinationStatus] = Field(default_factory=dict)
    errors: list[StatusError] = Field(default_factory=list)
    reclaimed_at: Timestamp | None = None


class NotificationKind(StrEnum):
    study_delivered = "study_delivered"
    study_failed = "study_failed"
    report_final = "report_final"
    study_urgent = "study_urgent"


class Notification(Document):
    doc_type: ClassVar[str] = "notification"
    type: Literal["notification"] = "notification"
    user: Username
    kind: NotificationKind
    study_id: StudyId
    clinic: ClinicId
    title: ShortText
    body: Annotated[str, Field(max_length=1000)] = ""
    url: ShortText | None = None
    created_at: Timestamp
    read: bool = False
    read_at: Timestamp | None = None


class WorklistEntry(Document):
    """The desk's view of one study (no image data): written by the bridge."""

    doc_type: ClassVar[str] = "worklist"
    type: Literal["worklist"] = "worklist"
    study_id: StudyId
    clinic: ClinicId
    clinic_name: ShortText | None = None
    author: Username
    patient: Patient = Field(default_factory=Patient)
    study: StudyInfo
    priority: Priority = Priority.routine
    notes: Annotated[str, Field(max_length=4000)] = ""
    state: Literal["received", "delivered", "partial", "failed", "reported"]
    instance_count: Annotated[int, Field(ge=0)] = 0
    received_at: Timestamp
    delivered_at: Timestamp | None = None
    reported_at: Timestamp | None = None
    viewer_url: Annotated[str, Field(max_length=1000)] | None = None


# -- radiologist-written -------------------------------------------------------------------


class Claim(Document):
    """Who reads a study. Its id is per study, so the second claimant gets a 409.

    A radiologist gives a study back by setting ``released_at`` on their claim; another one
    may then take it over (an update of that document, with its ``_rev``).
    """

    doc_type: ClassVar[str] = "claim"
    type: Literal["claim"] = "claim"
    study_id: StudyId
    clinic: ClinicId
    radiologist: Username
    claimed_at: Timestamp
    released_at: Timestamp | None = None


class Report(Document):
    doc_type: ClassVar[str] = "report"
    type: Literal["report"] = "report"
    study_id: StudyId
    clinic: ClinicId
    author: Username
    state: Literal["draft", "final"] = "draft"
    findings: Annotated[str, Field(max_length=20000)] = ""
    impression: Annotated[str, Field(max_length=5000)] = ""
    created_at: Timestamp
    updated_at: Timestamp
    signed_at: Timestamp | None = None


# -- administration (never replicated to clients) -----------------------------------------


class Destination(Strict):
    """A PACS that receives a clinic's studies by DICOMweb STOW-RS (PS3.18 §10.5)."""

    name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")]
    kind: Literal["orthanc", "dcm4chee", "dicomweb"] = "dicomweb"
    stow_url: Annotated[str, Field(max_length=1000)]  # the DICOMweb root, e.g. …/dicom-web
    auth: Literal["none", "basic", "bearer"] = "none"
    username: ShortText | None = None
    secret: ShortText | None = None
    viewer_url_template: Annotated[str, Field(max_length=1000)] | None = None
    enabled: bool = True


class Clinic(Document):
    doc_type: ClassVar[str] = "clinic"
    type: Literal["clinic"] = "clinic"
    clinic_id: ClinicId
    name: ShortText
    active: bool = True
    destinations: list[Destination] = Field(default_factory=list)
    created_at: Timestamp


class Totp(Strict):
    # sealed ("fernet:..."; sync_gateway.auth.totp.SecretBox), or plain if enrolled before
    secret: Annotated[str, Field(max_length=512)]
    confirmed: bool = False
    recovery_codes: list[Annotated[str, Field(max_length=128)]] = Field(default_factory=list)
    # the 30 s step of the last code accepted: it and earlier steps are refused (no replay)
    last_step: Annotated[int, Field(ge=0)] | None = None


class RefreshSession(Strict):
    """One refresh-token family (one signed-in device), kept inside its user's document.

    ``generation`` counts rotations: a refresh token carrying an older generation is a
    replayed (stolen) token and revokes the whole family.
    """

    generation: Annotated[int, Field(ge=0)] = 0
    created_at: Timestamp
    expires_at: Timestamp


class User(Document):
    doc_type: ClassVar[str] = "user"
    type: Literal["user"] = "user"
    username: Username
    email: Annotated[str, Field(max_length=254)] | None = None
    role: Role
    clinic: ClinicId | None = None
    active: bool = True
    password_hash: Annotated[str, Field(max_length=128)]
    token_version: Annotated[int, Field(ge=0)] = 0
    totp: Totp | None = None
    failed_logins: Annotated[int, Field(ge=0)] = 0
    locked_until: Timestamp | None = None
    sessions: dict[Annotated[str, Field(max_length=64)], RefreshSession] = Field(
        default_factory=dict
    )
    created_at: Timestamp
    updated_at: Timestamp | None = None


class AuditEvent(Document):
    """Append-only: who did what to which documents, when, from where. No PHI."""

    doc_type: ClassVar[str] = "audit"
    type: Literal["audit"] = "audit"
    at: Timestamp
    actor: ShortText
    role: ShortText | None = None
    action: ShortText
    outcome: Literal["ok", "denied", "error"] = "ok"
    db: ShortText | None = None
    doc_ids: list[Annotated[str, Field(max_length=300)]] = Field(default_factory=list)
    ip: Annotated[str, Field(max_length=64)] | None = None
    detail: Annotated[str, Field(max_length=1000)] | None = None


class PushKeys(Strict):
    p256dh: Annotated[str, Field(min_length=16, max_length=256)]
    auth: Annotated[str, Field(min_length=8, max_length=64)]


class PushSubscription(Document):
    """One browser's Web Push subscription (RFC 8030/8291/8292) for one user and device.

    Kept in the gateway's own ``push`` database, never replicated to clients; the bridge
    reads it to notify.  Its id is ``push:<user>:<hash of endpoint>``.
    """

    doc_type: ClassVar[str] = "push_subscription"
    type: Literal["push_subscription"] = "push_subscription"
    user: Username
    endpoint: Annotated[str, Field(pattern=r"^https?://", max_length=2000)]
    keys: PushKeys
    device: ShortText | None = None
    created_at: Timestamp


# -- the bridge's database (service-only: health for the admin page, retry requests) -------


class ClinicHealth(Strict):
    db: ShortText
    pending_changes: Annotated[int, Field(ge=0)] | None = None  # changes past the checkpoint
    open_jobs: Annotated[int, Field(ge=0)] = 0
    waiting: Annotated[int, Field(ge=0)] = 0  # sealed, chunks still arriving
    retrying: Annotated[int, Field(ge=0)] = 0


class FailedStudy(Strict):
    clinic: ClinicId
    study_id: StudyId
    state: StatusState
    code: Annotated[str, Field(max_length=64)] | None = None
    message: Annotated[str, Field(max_length=1000)] | None = None
    at: Timestamp


class BridgeHealth(Document):
    """What one bridge worker reports about itself, every few seconds (``health:<worker>``).

    The admin page reads it: lag per clinic, queue depth, failed deliveries.  No PHI.
    """

    doc_type: ClassVar[str] = "bridge_health"
    type: Literal["bridge_health"] = "bridge_health"
    worker: ShortText
    started_at: Timestamp
    at: Timestamp
    clinics: dict[str, ClinicHealth] = Field(default_factory=dict)
    queue_depth: Annotated[int, Field(ge=0)] = 0
    failed: Annotated[list[FailedStudy], Field(max_length=200)] = Field(default_factory=list)


class RetryRequest(Document):
    """An admin's "retry" of a failed or partial study (``retry:<clinic>:<study_id>``).

    Written by the gateway's admin API; the bridge re-runs the study's work and then deletes
    the request, so a later retry is a fresh document.
    """

    doc_type: ClassVar[str] = "retry_request"
    type: Literal["retry_request"] = "retry_request"
    clinic: ClinicId
    study_id: StudyId
    requested_by: Username
    requested_at: Timestamp


DOCUMENT_TYPES: dict[str, type[Document]] = {
    model.doc_type: model
    for model in (
        Study,
        Chunk,
        Status,
        Notification,
        WorklistEntry,
        Claim,
        Report,
        Clinic,
        User,
        AuditEvent,
        PushSubscription,
    )
}
