"""Create RelayPACS's databases, their ``_security`` objects and design documents.

Idempotent: run it as often as you like.  A database is created only when missing, the
security object and the design document are written only when their content differs from
what the server holds, and the returned :class:`SetupReport` says what changed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from couch_design_docs.design import DESIGN_ID, DatabaseKind, design_document
from couch_design_docs.names import DatabaseNames
from relaypacs.couch import CouchClient, Database


@dataclass
class SetupReport:
    created: list[str] = field(default_factory=list)
    security: list[str] = field(default_factory=list)
    design: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.security or self.design)

    def merge(self, other: SetupReport) -> SetupReport:
        self.created += other.created
        self.security += other.security
        self.design += other.design
        return self


def security_object(service_user: str | None) -> dict:
    """Only server admins and the service account may touch a database directly.

    Clients never talk to CouchDB: the gateway does, with one service account, and decides
    per request what a user may read or write.
    """
    return {
        "admins": {"names": [], "roles": ["_admin"]},
        "members": {"names": [service_user] if service_user else [], "roles": ["_admin"]},
    }


async def ensure_database(
    db: Database,
    kind: DatabaseKind | None,
    *,
    clinic_id: str | None = None,
    service_user: str | None = None,
) -> SetupReport:
    report = SetupReport()
    if await db.create(exist_ok=True):
        report.created.append(db.name)
    wanted_security = security_object(service_user)
    if await db.get_security() != wanted_security:
        await db.put_security(wanted_security)
        report.security.append(db.name)
    if kind is not None:
        wanted = design_document(kind, clinic_id)
        current = await db.get_or_none(DESIGN_ID)
        if current is None or {k: v for k, v in current.items() if k != "_rev"} != wanted:
            if current is not None:
                wanted["_rev"] = current["_rev"]
            await db.put(wanted)
            report.design.append(db.name)
    return report


SERVICE_KINDS: dict[str, DatabaseKind | None] = {
    "users": DatabaseKind.users,
    "clinics": DatabaseKind.clinics,
    "audit": DatabaseKind.audit,
    "desk": DatabaseKind.desk,
    "bridge": None,
    "push": DatabaseKind.push,
}


async def ensure_clinic_database(
    client: CouchClient, names: DatabaseNames, clinic_id: str, *, service_user: str | None = None
) -> SetupReport:
    return await ensure_database(
        client.db(names.clinic(clinic_id)),
        DatabaseKind.clinic,
        clinic_id=clinic_id,
        service_user=service_user,
    )


async def known_clinics(client: CouchClient, names: DatabaseNames) -> list[str]:
    rows = await client.db(names.clinics).ids_with_prefix("clinic:")
    return [row["id"].removeprefix("clinic:") for row in rows]


async def setup(
    client: CouchClient,
    names: DatabaseNames,
    *,
    clinic_ids: Iterable[str] = (),
    service_user: str | None = None,
) -> SetupReport:
    """Create every service database, then one database per clinic (known or given)."""
    report = SetupReport()
    for attr, kind in SERVICE_KINDS.items():
        db = client.db(getattr(names, attr))
        report.merge(await ensure_database(db, kind, service_user=service_user))
    clinics = set(clinic_ids) | set(await known_clinics(client, names))
    for clinic_id in sorted(clinics):
        report.merge(
            await ensure_clinic_database(client, names, clinic_id, service_user=service_user)
        )
    return report
