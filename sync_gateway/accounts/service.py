"""Accounts: create, list, disable and reset users; create clinics and their destinations.

Plain async functions over a :class:`relaypacs.couch.CouchClient`, used by the admin API
and by the ``relaypacs`` CLI alike.  Errors are the gateway's own (``Conflict``,
``NotFound``, ``Unprocessable``), which the API maps to 409/404/422.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import ValidationError

from couch_design_docs.models import CLINIC_ROLES, Clinic, Destination, Role, User
from couch_design_docs.names import DatabaseNames, clinic_doc_id, user_doc_id
from couch_design_docs.setup import ensure_clinic_database
from couch_design_docs.timestamps import now_timestamp
from relaypacs.couch import Conflict as CouchConflict
from relaypacs.couch import CouchClient
from relaypacs.types import Doc
from sync_gateway.accounts.store import UserStore, public_user
from sync_gateway.auth.passwords import check_password, hash_password
from sync_gateway.errors import Conflict, NotFound, Unprocessable
from sync_gateway.settings import GatewaySettings


def _invalid(exc: ValidationError) -> Unprocessable:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first.get("loc", ()))
    return Unprocessable(f"{where}: {first.get('msg', 'invalid')}")


# -- clinics ------------------------------------------------------------------------------------


async def create_clinic(
    couch: CouchClient,
    names: DatabaseNames,
    clinic_id: str,
    name: str,
    destinations: Iterable[Mapping[str, Any] | Destination] = (),
    *,
    service_user: str | None = None,
) -> dict[str, Any]:
    """Create a clinic: its database (``_security``, design doc) and its clinic document.

    Raises Conflict if the clinic document exists (its database is still ensured).
    """
    try:
        clinic = Clinic(
            _id=clinic_doc_id(clinic_id),
            clinic_id=clinic_id,
            name=name,
            destinations=[Destination.model_validate(d) for d in destinations],
            created_at=now_timestamp(),
        )
    except ValidationError as exc:
        raise _invalid(exc) from exc
    await ensure_clinic_database(couch, names, clinic_id, service_user=service_user)
    try:
        await couch.db(names.clinics).put(clinic.to_doc())
    except CouchConflict as exc:
        raise Conflict(f"clinic {clinic_id} exists") from exc
    return public_clinic(clinic.to_doc())


async def list_clinics(couch: CouchClient, names: DatabaseNames) -> list[dict[str, Any]]:
    rows = await couch.db(names.clinics).ids_with_prefix("clinic:", include_docs=True)
    return [public_clinic(row["doc"]) for row in rows if row.get("doc")]


async def get_clinic(couch: CouchClient, names: DatabaseNames, clinic_id: str) -> Doc | None:
    return await couch.db(names.clinics).get_or_none(clinic_doc_id(clinic_id))


async def update_clinic(
    couch: CouchClient,
    names: DatabaseNames,
    clinic_id: str,
    *,
    name: str | None = None,
    destinations: Iterable[Mapping[str, Any] | Destination] | None = None,
    active: bool | None = None,
) -> dict[str, Any]:
    """Change a clinic's name, destinations (replaced as a whole) or active flag.

    Secrets are never sent back to the admin page, so a destination re-sent without a
    ``secret`` keeps the one stored under the same name (same auth kind); a new secret
    replaces it, and ``auth: none`` drops it.
    """
    try:
        parsed = None
        if destinations is not None:
            parsed = [
                Destination.model_validate(d).model_dump(mode="json", exclude_none=True)
                for d in destinations
            ]
    except ValidationError as exc:
        raise _invalid(exc) from exc

    def change(current: Doc | None) -> Doc | None:
        if current is None:
            raise NotFound(f"no clinic {clinic_id}")
        if name is not None:
            current["name"] = name
        if parsed is not None:
            current["destinations"] = keep_secrets(current.get("destinations", []), parsed)
        if active is not None:
            current["active"] = active
        try:
            Clinic.model_validate(current)
        except ValidationError as exc:
            raise _invalid(exc) from exc
        return current

    doc = await couch.db(names.clinics).update(clinic_doc_id(clinic_id), change)
    assert doc is not None
    return public_clinic(doc)


def keep_secrets(stored: list[Doc], incoming: list[Doc]) -> list[Doc]:
    """``incoming`` destinations, each without a secret taking the stored one of its name."""
    by_name = {d.get("name"): d for d in stored}
    merged = []
    for destination in incoming:
        old = by_name.get(destination.get("name"))
        if (
            "secret" not in destination
            and destination.get("auth", "none") != "none"
            and old is not None
            and old.get("auth") == destination.get("auth")
            and "secret" in old
        ):
            destination = {**destination, "secret": old["secret"]}
        merged.append(destination)
    return merged


def public_clinic(doc: Doc) -> dict[str, Any]:
    """A clinic as the API shows it (destination secrets are never shown)."""
    return {
        "clinic_id": doc["clinic_id"],
        "name": doc["name"],
        "active": doc.get("active", True),
        "created_at": doc.get("created_at"),
        "destinations": [
            {k: v for k, v in d.items() if k != "secret"} | {"has_secret": bool(d.get("secret"))}
            for d in doc.get("destinations", [])
        ],
    }


# -- users --------------------------------------------------------------------------------------


async def create_user(
    couch: CouchClient,
    names: DatabaseNames,
    settings: GatewaySettings,
    username: str,
    password: str,
    role: str | Role,
    clinic: str | None = None,
    email: str | None = None,
) -> dict[str, Any]:
    """Create an active user; a clinician or radiographer needs an existing clinic.

    Raises Unprocessable (weak/over-72-byte password, bad role or clinic) or Conflict.
    """
    try:
        role = Role(role)
    except ValueError as exc:
        raise Unprocessable(f"role must be one of {', '.join(r.value for r in Role)}") from exc
    if role in CLINIC_ROLES:
        if not clinic:
            raise Unprocessable(f"a {role.value} needs a clinic")
        if await get_clinic(couch, names, clinic) is None:
            raise Unprocessable(f"no clinic {clinic}; create it first")
    elif clinic:
        raise Unprocessable(f"a {role.value} does not belong to a clinic")
    check_password(password, username=username, min_length=settings.password_min_length)
    try:
        user = User(
            _id=user_doc_id(username),
            username=username,
            email=email,
            role=role,
            clinic=clinic,
            password_hash="$2b$12$" + "x" * 53,  # placeholder until hashed (validated first)
            created_at=now_timestamp(),
        )
    except ValidationError as exc:
        raise _invalid(exc) from exc
    doc = user.to_doc()
    doc["password_hash"] = await hash_password(password, settings.bcrypt_rounds)
    try:
        await couch.db(names.users).put(doc)
    except CouchConflict as exc:
        raise Conflict(f"user {username} exists") from exc
    return public_user(doc)


async def list_users(
    couch: CouchClient, names: DatabaseNames, *, clinic: str | None = None
) -> list[dict[str, Any]]:
    users = await UserStore(couch, names).all()
    return [public_user(u) for u in users if clinic is None or u.get("clinic") == clinic]


def _existing(username: str, current: Doc | None) -> Doc:
    if current is None:
        raise NotFound(f"no user {username}")
    return current


async def set_active(
    couch: CouchClient, names: DatabaseNames, username: str, active: bool
) -> dict[str, Any]:
    """Disable (every token stops working at once) or re-enable a user."""

    def change(current: Doc | None) -> Doc:
        doc = _existing(username, current)
        doc["active"] = active
        if not active:
            doc["token_version"] = doc.get("token_version", 0) + 1
            doc["sessions"] = {}
        doc["updated_at"] = now_timestamp()
        return doc

    doc = await UserStore(couch, names).update(username, change)
    assert doc is not None
    return public_user(doc)


async def reset_password(
    couch: CouchClient,
    names: DatabaseNames,
    settings: GatewaySettings,
    username: str,
    password: str,
) -> dict[str, Any]:
    """Set a new password, end every session and lift a lock-out."""
    check_password(password, username=username, min_length=settings.password_min_length)
    password_hash = await hash_password(password, settings.bcrypt_rounds)

    def change(current: Doc | None) -> Doc:
        doc = _existing(username, current)
        doc["password_hash"] = password_hash
        doc["token_version"] = doc.get("token_version", 0) + 1
        doc["sessions"] = {}
        doc["failed_logins"] = 0
        doc.pop("locked_until", None)
        doc["updated_at"] = now_timestamp()
        return doc

    doc = await UserStore(couch, names).update(username, change)
    assert doc is not None
    return public_user(doc)


async def reset_totp(couch: CouchClient, names: DatabaseNames, username: str) -> dict[str, Any]:
    """Remove a lost authenticator: the user signs in with the password and enrols again."""

    def change(current: Doc | None) -> Doc:
        doc = _existing(username, current)
        doc.pop("totp", None)
        doc["updated_at"] = now_timestamp()
        return doc

    doc = await UserStore(couch, names).update(username, change)
    assert doc is not None
    return public_user(doc)
