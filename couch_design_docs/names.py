"""Database names and document ids: the addresses every part of RelayPACS agrees on.

Each clinic has its own database (CouchDB's unit of access control).  A deployment-wide
prefix lets several installations, or several tests, share one CouchDB server.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

CLINIC_ID_PATTERN = r"^[a-z][a-z0-9_-]{1,39}$"
STUDY_ID_PATTERN = r"^[A-Za-z0-9_-]{8,64}$"
SHA256_PATTERN = r"^[0-9a-f]{64}$"
UID_PATTERN = r"^[0-9]+(\.[0-9]+)*$"  # PS3.5 §9.1: digits and dots, at most 64 characters
USERNAME_PATTERN = r"^[a-z0-9][a-z0-9._-]{1,63}$"

_CLINIC_ID = re.compile(CLINIC_ID_PATTERN)


def valid_clinic_id(clinic_id: str) -> bool:
    return bool(_CLINIC_ID.match(clinic_id))


@dataclass(frozen=True)
class DatabaseNames:
    """The databases of one installation, all under ``prefix``."""

    prefix: str = ""

    @property
    def users(self) -> str:
        return f"{self.prefix}relaypacs_users"

    @property
    def clinics(self) -> str:
        return f"{self.prefix}relaypacs_clinics"

    @property
    def audit(self) -> str:
        return f"{self.prefix}relaypacs_audit"

    @property
    def desk(self) -> str:
        return f"{self.prefix}relaypacs_desk"

    @property
    def bridge(self) -> str:
        """The bridge's own state: changes checkpoints, leases, delivery jobs."""
        return f"{self.prefix}relaypacs_bridge"

    @property
    def push(self) -> str:
        """Web Push subscriptions (the gateway's own, never replicated)."""
        return f"{self.prefix}relaypacs_push"

    def clinic(self, clinic_id: str) -> str:
        if not valid_clinic_id(clinic_id):
            raise ValueError(f"invalid clinic id {clinic_id!r}")
        return f"{self.prefix}clinic_{clinic_id}"

    def clinic_of(self, db_name: str) -> str | None:
        """The clinic id of a clinic database name, or None if it is not one."""
        head = f"{self.prefix}clinic_"
        if not db_name.startswith(head):
            return None
        clinic_id = db_name[len(head) :]
        return clinic_id if valid_clinic_id(clinic_id) else None

    @property
    def service_databases(self) -> list[str]:
        return [self.users, self.clinics, self.audit, self.desk, self.bridge, self.push]


# -- document ids ------------------------------------------------------------------------------


def study_doc_id(study_id: str) -> str:
    return f"study:{study_id}"


def chunk_doc_id(study_id: str, file_id: str, index: int) -> str:
    return f"chunk:{study_id}:{file_id}:{index:05d}"


def chunk_prefix(study_id: str, file_id: str | None = None) -> str:
    return f"chunk:{study_id}:" + (f"{file_id}:" if file_id else "")


def status_doc_id(study_id: str) -> str:
    return f"status:{study_id}"


def report_doc_id(study_id: str) -> str:
    return f"report:{study_id}"


def notification_doc_id(user: str, key: str) -> str:
    """Deterministic per (user, event) so a re-run of the same event writes nothing new."""
    return f"notification:{user}:{key}"


def worklist_doc_id(clinic_id: str, study_id: str) -> str:
    return f"worklist:{clinic_id}:{study_id}"


def claim_doc_id(clinic_id: str, study_id: str) -> str:
    return f"claim:{clinic_id}:{study_id}"


def desk_report_doc_id(clinic_id: str, study_id: str) -> str:
    return f"report:{clinic_id}:{study_id}"


def clinic_doc_id(clinic_id: str) -> str:
    return f"clinic:{clinic_id}"


def user_doc_id(username: str) -> str:
    return f"user:{username}"


def push_subscription_doc_id(user: str, endpoint: str) -> str:
    digest = hashlib.sha256(endpoint.encode()).hexdigest()[:24]
    return f"push:{user}:{digest}"


def bridge_health_doc_id(worker: str) -> str:
    return f"health:{worker}"


def retry_request_doc_id(clinic_id: str, study_id: str) -> str:
    return f"retry:{clinic_id}:{study_id}"


def doc_type_of(doc_id: str) -> str | None:
    """The document type implied by an id (``study:…`` -> ``study``), None for others."""
    head, sep, _ = doc_id.partition(":")
    return head if sep else None
