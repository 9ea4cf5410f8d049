"""The access policy matrix: every role x database x document type, as pure functions."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest

from couch_design_docs.models import MAX_CHUNK_SIZE, Role
from couch_design_docs.names import DatabaseNames
from sync_gateway.access.policy import (
    Access,
    DecodedBase64,
    Principal,
    database_access,
    may_read,
    replicated_databases,
    target_of,
    write_refusal,
)
from sync_gateway.proxy.batch import parse_document, split
from tests import factories as f

NAMES = DatabaseNames("p_")
AMINA = Principal("amina", Role.clinician, "north")
RITA = Principal("rita", Role.radiographer, "north")
CARL = Principal("carl", Role.clinician, "south")
OSEI = Principal("osei", Role.radiologist)
SAM = Principal("sam", Role.admin)

N, R, W = Access.none, Access.read, Access.write
# database -> expected access of (amina, rita, carl, osei, sam)
DATABASE_MATRIX = {
    "p_clinic_north": (W, W, N, N, R),
    "p_clinic_south": (N, N, W, N, R),
    "p_relaypacs_desk": (N, N, N, W, R),
    "p_relaypacs_users": (N, N, N, N, N),
    "p_relaypacs_audit": (N, N, N, N, N),
    "p_relaypacs_clinics": (N, N, N, N, N),
    "p_relaypacs_push": (N, N, N, N, N),
    "p_relaypacs_bridge": (N, N, N, N, N),
    "_users": (N, N, N, N, N),
    "_replicator": (N, N, N, N, N),
    "_all_dbs": (N, N, N, N, N),
    "clinic_north": (N, N, N, N, N),  # no prefix: another installation's
    "p_clinic_": (N, N, N, N, N),
}


@pytest.mark.parametrize("db", DATABASE_MATRIX)
def test_database_access_matrix(db: str) -> None:
    got = tuple(database_access(u, target_of(db, NAMES)) for u in (AMINA, RITA, CARL, OSEI, SAM))
    assert got == DATABASE_MATRIX[db]


def test_replicated_databases() -> None:
    assert replicated_databases(AMINA, NAMES) == ["p_clinic_north"]
    assert replicated_databases(RITA, NAMES) == ["p_clinic_north"]
    assert replicated_databases(OSEI, NAMES) == ["p_relaypacs_desk"]
    assert replicated_databases(SAM, NAMES) == []


NORTH = target_of("p_clinic_north", NAMES)
DESK = target_of("p_relaypacs_desk", NAMES)


def chunk(data: bytes = b"x" * 100, clinic: str = "north", **over) -> dict:
    return f.chunk(clinic, data=data, **over)


# (principal, target, document, fragment of the refusal or None when allowed)
WRITE_MATRIX = [
    (AMINA, NORTH, f.study(), None),
    (RITA, NORTH, f.study(author="rita"), None),
    (AMINA, NORTH, chunk(), None),
    (AMINA, NORTH, f.notification(), None),
    (AMINA, NORTH, f.study(author="bakari"), "author must be amina"),
    (AMINA, NORTH, chunk(author="bakari"), "author must be amina"),
    (AMINA, NORTH, f.study(clinic="south"), "belongs to clinic"),
    (AMINA, NORTH, chunk(clinic="south"), "belongs to clinic"),
    (AMINA, NORTH, f.status(), "may not write 'status'"),
    (AMINA, NORTH, f.report(author="amina"), "may not write 'report'"),
    (AMINA, NORTH, f.notification(user="bakari", _id="notification:bakari:x"), "user must be"),
    (AMINA, NORTH, {"_id": "_design/relaypacs", "views": {}}, "design documents"),
    (AMINA, NORTH, {**f.study(), "_deleted": True}, "not deleted"),
    (AMINA, NORTH, {**f.study(), "_id": "chunk:x"}, "does not match the type"),
    (AMINA, NORTH, {**f.study(), "_attachments": {"x": {"data": "AA=="}}}, "only chunk"),
    (AMINA, NORTH, chunk(sha256="0" * 64), "sha256"),
    (AMINA, NORTH, chunk(size=5), "size says 5"),
    (AMINA, NORTH, chunk(_attachments={}), "exactly one attachment"),
    (AMINA, NORTH, chunk(_attachments={"data": {"data": "!!!"}}), "base64"),
    (AMINA, NORTH, chunk(_attachments={"data": {"follows": True}}), "inline"),
    (CARL, NORTH, f.study(author="carl"), "may not write"),
    (OSEI, NORTH, f.study(author="osei"), "may not write"),
    (SAM, NORTH, f.study(author="sam"), "may not write"),
    (OSEI, DESK, f.claim(), None),
    (OSEI, DESK, f.report(desk=True), None),
    (OSEI, DESK, f.claim(radiologist="ama"), "radiologist must be osei"),
    (OSEI, DESK, f.worklist(author="osei"), "may not write 'worklist'"),
    (AMINA, DESK, f.claim(radiologist="amina"), "may not write"),
    (SAM, DESK, f.claim(radiologist="sam"), "may not write"),
    (AMINA, NORTH, "not a document", "JSON object"),
]


def assert_refused(refusal, fragment: str | None) -> None:
    """None: allowed; otherwise refused with ``fragment`` in the reason."""
    if fragment is None:
        assert refusal is None
    else:
        assert refusal is not None and fragment in refusal.reason


@pytest.mark.parametrize(("user", "target", "doc", "refused"), WRITE_MATRIX)
def test_write_matrix(user, target, doc, refused) -> None:
    assert_refused(write_refusal(user, target, doc), refused)


def oversized_chunk() -> dict:
    data = b"\0" * (MAX_CHUNK_SIZE + 1)
    doc = chunk(data=data, size=len(data), sha256=hashlib.sha256(data).hexdigest())
    doc["_attachments"]["data"]["data"] = base64.b64encode(data).decode()
    return doc


def test_oversized_chunk_is_too_large() -> None:
    refusal = write_refusal(AMINA, NORTH, oversized_chunk())
    assert refusal is not None and refusal.error == "too_large"


def test_attachment_stub_of_own_chunk_is_allowed() -> None:
    doc = chunk(_attachments={"data": {"stub": True, "length": 100, "digest": "md5-x"}})
    assert write_refusal(AMINA, NORTH, doc) is None


@pytest.mark.parametrize(
    ("user", "doc_id", "author", "visible"),
    [
        (AMINA, "chunk:s:f:00000", "amina", True),
        (AMINA, "chunk:s:f:00000", "bakari", False),
        (AMINA, "chunk:s:f:00000", None, False),
        (SAM, "chunk:s:f:00000", "amina", False),
        (AMINA, "study:s", None, True),
        (AMINA, "status:s", None, True),
        (AMINA, "notification:amina:1", None, True),
        (AMINA, "notification:bakari:1", None, False),
        (SAM, "notification:bakari:1", None, True),
        (AMINA, "_local/abc", None, True),
        (AMINA, "_design/relaypacs", None, False),
        (SAM, "_design/relaypacs", None, False),
    ],
)
def test_read_visibility(user, doc_id, author, visible) -> None:
    assert may_read(user, doc_id, author) is visible


@pytest.mark.parametrize(
    ("over", "refused"),
    [({}, None), ({"sha256": "0" * 64}, "sha256"), ({"size": 5}, "size says 5")],
)
def test_a_chunk_parsed_from_a_batch_is_checked_on_its_decoded_data(over, refused) -> None:
    """The _bulk_docs splitter hands long base64 over decoded (DecodedBase64)."""
    data = bytes(range(256)) * 256
    body = json.dumps({"docs": [chunk(data=data, **over)]}).encode()
    (raw,), _ = split(body)
    doc = parse_document(raw)
    assert isinstance(doc["_attachments"]["data"]["data"], DecodedBase64)
    assert_refused(write_refusal(AMINA, NORTH, doc), refused)


def test_oversized_chunk_parsed_from_a_batch_is_too_large() -> None:
    (raw,), _ = split(json.dumps({"docs": [oversized_chunk()]}).encode())
    refusal = write_refusal(AMINA, NORTH, parse_document(raw))
    assert refusal is not None and refusal.error == "too_large"
