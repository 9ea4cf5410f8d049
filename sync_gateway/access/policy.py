"""The access policy, as pure functions of (user, database, document).

Databases a token reaches (DESIGN.md "Least privilege"):

| role                      | own clinic db | other clinic db | desk       | service dbs |
|---------------------------|---------------|-----------------|------------|-------------|
| clinician, radiographer   | read + write  | none            | none       | none        |
| radiologist               | none          | none            | read+write | none        |
| admin                     | read          | read            | read       | none        |

Documents a user may write, checked for each one before CouchDB sees it (CouchDB's own
validate_doc_update then checks the schema):

| database | role                    | types               | owner field must be the user |
|----------|-------------------------|---------------------|------------------------------|
| clinic   | clinician, radiographer | study, chunk        | author (and clinic = theirs) |
| clinic   | clinician, radiographer | notification        | user (only to mark it read)  |
| desk     | radiologist             | claim               | radiologist                  |
| desk     | radiologist             | report              | author                       |
| desk     | radiologist             | notification        | user                         |

Never: design documents, deletions, attachments on anything but a chunk, status and
worklist documents (only the bridge writes those, directly, not through the gateway).

Reads: a chunk is visible only to its author (image data never leaves for another
device's user); a notification only to the user it is addressed to.
"""

from __future__ import annotations

import binascii
import hashlib
from dataclasses import dataclass
from enum import IntEnum
from typing import Any, Literal

import pybase64

from couch_design_docs.models import CHUNK_ATTACHMENT, CLINIC_ROLES, MAX_CHUNK_SIZE, Role
from couch_design_docs.names import DatabaseNames, doc_type_of

SERVICE_DATABASE_REASON = "this database is not reachable through the gateway"


@dataclass(frozen=True)
class Principal:
    """The user a request acts for, as the access token and user document say."""

    username: str
    role: Role
    clinic: str | None = None


class Access(IntEnum):
    none = 0
    read = 1
    write = 2


@dataclass(frozen=True)
class Target:
    """A database the proxy may forward to: a clinic's or the desk."""

    name: str
    kind: Literal["clinic", "desk"]
    clinic: str | None = None


@dataclass(frozen=True)
class Refusal:
    """Why one document may not be written; ``error`` is CouchDB's name for it."""

    reason: str
    error: Literal["forbidden", "too_large", "unprocessable", "conflict"] = "forbidden"


def target_of(db_name: str, names: DatabaseNames) -> Target | None:
    """The proxied database ``db_name`` names, or None for anything else (refused)."""
    if db_name == names.desk:
        return Target(db_name, "desk")
    clinic = names.clinic_of(db_name)
    if clinic is not None:
        return Target(db_name, "clinic", clinic)
    return None


def database_access(user: Principal, target: Target | None) -> Access:
    if target is None:
        return Access.none
    if user.role == Role.admin:
        return Access.read
    if user.role in CLINIC_ROLES:
        own = target.kind == "clinic" and user.clinic is not None and target.clinic == user.clinic
        return Access.write if own else Access.none
    if user.role == Role.radiologist:
        return Access.write if target.kind == "desk" else Access.none
    return Access.none


def replicated_databases(user: Principal, names: DatabaseNames) -> list[str]:
    """The databases a user's app keeps a replica of (the login answer's ``databases``)."""
    if user.role in CLINIC_ROLES and user.clinic:
        return [names.clinic(user.clinic)]
    if user.role == Role.radiologist:
        return [names.desk]
    return []  # an admin reads through the admin API, or /sync read-only, not a replica


# -- writes -------------------------------------------------------------------------------------

WRITABLE: dict[tuple[str, str], dict[str, str]] = {
    # (database kind, role) -> {document type: field that must name the user}
    ("clinic", Role.clinician): {"study": "author", "chunk": "author", "notification": "user"},
    ("clinic", Role.radiographer): {"study": "author", "chunk": "author", "notification": "user"},
    ("desk", Role.radiologist): {
        "claim": "radiologist",
        "report": "author",
        "notification": "user",
    },
}


def write_refusal(user: Principal, target: Target, doc: Any) -> Refusal | None:
    """None if ``user`` may write ``doc`` into ``target``, else why not."""
    if not isinstance(doc, dict):
        return Refusal("a document must be a JSON object", "unprocessable")
    doc_id = doc.get("_id")
    if not isinstance(doc_id, str) or not doc_id:
        return Refusal("a document needs an _id", "unprocessable")
    if doc_id.startswith("_design/"):
        return Refusal("design documents are not writable through the gateway")
    if doc_id.startswith("_"):
        return Refusal(f"{doc_id}: reserved document id")
    if database_access(user, target) < Access.write:
        return Refusal(f"{user.role} {user.username} may not write to {target.name}")
    if doc.get("_deleted"):
        return Refusal(f"{doc_id}: documents are not deleted through the gateway")
    doc_type = doc.get("type")
    allowed = WRITABLE.get((target.kind, user.role), {})
    if doc_type not in allowed:
        return Refusal(f"{doc_id}: a {user.role} may not write {doc_type!r} documents here")
    if doc_type_of(doc_id) != doc_type:
        return Refusal(f"{doc_id}: the id does not match the type {doc_type}")
    owner_field = allowed[doc_type]
    if doc.get(owner_field) != user.username:
        return Refusal(f"{doc_id}: {owner_field} must be {user.username}")
    if target.kind == "clinic" and doc.get("clinic") != target.clinic:
        return Refusal(f"{doc_id}: belongs to clinic {doc.get('clinic')!r}, not {target.clinic}")
    attachments = doc.get("_attachments")
    if doc_type == "chunk":
        return chunk_refusal(doc)
    if attachments:
        return Refusal(f"{doc_id}: only chunk documents carry attachments")
    return None


@dataclass(frozen=True, slots=True)
class DecodedBase64:
    """An attachment's inline base64, already validated and decoded by whoever parsed the
    document (the ``_bulk_docs`` splitter: it never makes a Python string of it)."""

    encoded_length: int
    decoded: bytes

    def __len__(self) -> int:
        return self.encoded_length


def chunk_refusal(doc: dict[str, Any]) -> Refusal | None:
    """Size and sha256 of a chunk's inline attachment, checked before CouchDB stores it.

    Stubs (``"stub": true``) refer to data CouchDB already holds and checked; data sent in
    a multipart ``follows`` part is not accepted.
    """
    doc_id = doc["_id"]
    attachments = doc.get("_attachments")
    if not isinstance(attachments, dict) or set(attachments) != {CHUNK_ATTACHMENT}:
        return Refusal(
            f"{doc_id}: a chunk needs exactly one attachment named data", "unprocessable"
        )
    att = attachments[CHUNK_ATTACHMENT]
    if not isinstance(att, dict):
        return Refusal(f"{doc_id}: malformed attachment", "unprocessable")
    if att.get("stub"):
        return None
    if att.get("follows"):
        return Refusal(f"{doc_id}: send attachments inline or as a binary PUT", "unprocessable")
    data = att.get("data")
    if not isinstance(data, str | DecodedBase64):
        return Refusal(f"{doc_id}: the attachment has no data", "unprocessable")
    if len(data) > (MAX_CHUNK_SIZE + 2) // 3 * 4 + 16:
        return Refusal(f"{doc_id}: a chunk is at most {MAX_CHUNK_SIZE} bytes", "too_large")
    if isinstance(data, DecodedBase64):
        raw = data.decoded
    else:
        try:
            # validate: anything but the alphabet and padding is refused; pybase64's SIMD
            # decoder is ~30x binascii's on a 1 MiB chunk (once the gateway's hottest line)
            raw = pybase64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            return Refusal(f"{doc_id}: the attachment is not valid base64", "unprocessable")
    return chunk_bytes_refusal(doc, len(raw), hashlib.sha256(raw).hexdigest())


def chunk_bytes_refusal(doc: dict[str, Any], size: int, sha256: str) -> Refusal | None:
    doc_id = doc.get("_id")
    if size > MAX_CHUNK_SIZE:
        return Refusal(f"{doc_id}: a chunk is at most {MAX_CHUNK_SIZE} bytes", "too_large")
    if size != doc.get("size"):
        return Refusal(
            f"{doc_id}: the attachment is {size} bytes, size says {doc.get('size')}",
            "unprocessable",
        )
    if sha256 != doc.get("sha256"):
        return Refusal(f"{doc_id}: sha256 of the attachment does not match", "unprocessable")
    return None


# -- reads --------------------------------------------------------------------------------------


def may_read(user: Principal, doc_id: str, author: str | None) -> bool:
    """Whether ``user`` may receive document ``doc_id`` (``author``: a chunk's author).

    A chunk whose author is unknown (e.g. a deletion stub) is not shown.  Design documents
    are the server's business: listing them in ``_changes`` would only make a replicating
    client ask for a document it is then refused.
    """
    if doc_id.startswith("_design/"):
        return False
    kind = doc_type_of(doc_id)
    if kind == "chunk":
        return author is not None and author == user.username
    if kind == "notification" and user.role != Role.admin:
        return doc_id.startswith(f"notification:{user.username}:")
    return True


def overwrite_refusal(
    user: Principal, existing: dict[str, Any], owner_field: str
) -> Refusal | None:
    """Whether ``user`` may write over ``existing`` (whose owner is in ``owner_field``).

    A claim somebody else holds is a conflict the loser is told about in words (the desk's
    "claimed by osei at …"); one its holder released may be taken over.  Any other document
    of somebody else's is forbidden.
    """
    owner = existing.get(owner_field)
    if owner == user.username:
        return None
    doc_id = existing.get("_id")
    if existing.get("type") == "claim":
        if existing.get("released_at"):
            return None
        return Refusal(f"claimed by {owner} at {existing.get('claimed_at')}", "conflict")
    return Refusal(f"{doc_id}: belongs to {owner}")


def needs_author(doc_id: str) -> bool:
    """Whether :func:`may_read` needs the document's author to decide."""
    return doc_type_of(doc_id) == "chunk"
