"""validate_doc_update, generated from the pydantic contract, on the real server."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from couch_design_docs import models
from couch_design_docs.names import DatabaseNames
from couch_design_docs.setup import setup
from relaypacs.couch import CouchClient, Forbidden
from tests import factories as f

pytestmark = pytest.mark.integration

# (database attribute, factory) for every document type in the database it belongs in
VALID: list[tuple[str, Callable[..., dict[str, Any]]]] = [
    ("clinic:north", f.study),
    ("clinic:north", f.chunk),
    ("clinic:north", f.status),
    ("clinic:north", f.report),
    ("clinic:north", f.notification),
    ("desk", f.worklist),
    ("desk", f.claim),
    ("desk", lambda: f.report(desk=True)),
    ("desk", f.notification),
    ("clinics", f.clinic),
    ("users", f.user),
    ("audit", f.audit),
    ("push", f.push_subscription),
]


def db_name(names: DatabaseNames, where: str) -> str:
    if where.startswith("clinic:"):
        return names.clinic(where.split(":", 1)[1])
    return getattr(names, where)


def without(doc: dict[str, Any], key: str) -> dict[str, Any]:
    doc = copy.deepcopy(doc)
    doc.pop(key)
    return doc


# (database, malformed document, fragment of the reason the server must give)
INVALID: list[tuple[str, dict[str, Any], str]] = [
    ("clinic:north", {"_id": "x", "type": "nope"}, "not known"),
    ("clinic:north", {"_id": "x"}, "not known"),
    ("clinic:north", f.worklist(), "do not belong"),
    ("clinic:north", without(f.study(), "clinic"), "clinic: required"),
    ("clinic:north", f.study(priority="whenever"), "priority: must be one of"),
    ("clinic:north", f.study(extra_field=1), "extra_field: unknown field"),
    ("clinic:north", f.study(_id="study:other-id-123"), "id must be study:"),
    ("clinic:north", f.study(files=[]), "at least one file"),
    ("clinic:north", f.study(sealed_at=None), "sealed_at"),
    ("clinic:north", f.study(clinic="south"), "belongs to clinic south"),
    ("clinic:north", f.study(study={"instance_uid": "1.2.abc"}), "study.instance_uid: malformed"),
    ("clinic:north", f.study(files=[{**f.study()["files"][0], "chunk_count": 7}]), "chunk_count"),
    (
        "clinic:north",
        f.study(files=[{**f.study()["files"][0], "size": -1}]),
        "size: must be at least",
    ),
    ("clinic:north", f.chunk(_attachments={}), "exactly one attachment"),
    ("clinic:north", f.chunk(size=5), "attachment is"),
    ("clinic:north", f.chunk(sha256="abc"), "sha256: malformed"),
    ("clinic:north", f.chunk(index="0"), "index: must be a integer"),
    ("clinic:north", f.status(state="lost"), "state: must be one of"),
    ("clinic:north", f.status(files={"k": {"name": "x"}}), "files.k.state: required"),
    ("clinic:north", f.notification(_id="notification:someone-else:1"), "id must start with"),
    ("desk", f.claim(radiologist=""), "radiologist: malformed"),
    ("desk", f.report(), "id must be report:north:"),
    ("clinics", f.clinic(destinations=[{"name": "X Y", "stow_url": "u"}]), "name: malformed"),
    ("users", f.user(role="superuser"), "role: must be one of"),
    ("audit", without(f.audit(), "actor"), "actor: required"),
    ("push", f.push_subscription(endpoint="ftp://x"), "endpoint: malformed"),
    ("push", f.push_subscription(_id="push:osei:1"), "id must start with push:amina:"),
]


@pytest.fixture
async def contract_dbs(couch: CouchClient, names: DatabaseNames) -> CouchClient:
    await setup(couch, names, clinic_ids=["north"])
    return couch


@pytest.mark.parametrize(("where", "factory"), VALID, ids=[f"{w}-{fn.__name__}" for w, fn in VALID])
async def test_each_document_type_is_accepted(
    contract_dbs: CouchClient, names: DatabaseNames, where: str, factory: Callable
) -> None:
    doc = factory()
    model = models.DOCUMENT_TYPES[doc["type"]]
    model.model_validate(doc)  # the Python side agrees with the server
    db = contract_dbs.db(db_name(names, where))
    rev = await db.put(doc)
    assert rev.startswith("1-")
    stored = await db.get(doc["_id"])
    assert stored["type"] == doc["type"]


@pytest.mark.parametrize(("where", "doc", "reason"), INVALID, ids=[r for _, _, r in INVALID])
async def test_malformed_documents_are_rejected_with_a_reason(
    contract_dbs: CouchClient, names: DatabaseNames, where: str, doc: dict, reason: str
) -> None:
    db = contract_dbs.db(db_name(names, where))
    with pytest.raises(Forbidden) as exc_info:
        await db.put(copy.deepcopy(doc))
    assert reason in exc_info.value.reason


async def test_fields_with_defaults_may_be_left_out(contract_dbs: CouchClient, names):
    """What the models default (files, chunk_size, priority…) need not be written."""
    db = contract_dbs.db(names.clinic("north"))
    draft = without(without(without(f.study(state="draft", sealed_at=None), "files"),
                            "chunk_size"), "priority")  # fmt: skip
    draft.pop("sealed_at")
    await db.put(draft)
    models.Study.model_validate(draft)
    sealed = without(f.study(), "chunk_size")
    sealed["_id"] = draft["_id"]
    sealed["_rev"] = draft["_rev"]
    assert (await db.put(sealed)).startswith("2-")
    assert (await db.get(draft["_id"]))["state"] == "sealed"


async def test_audit_events_are_append_only(contract_dbs: CouchClient, names: DatabaseNames):
    db = contract_dbs.db(names.audit)
    doc = f.audit()
    await db.put(doc)
    with pytest.raises(Forbidden, match="append-only"):
        await db.put({**doc, "action": "logout"})
    with pytest.raises(Forbidden, match="append-only"):
        await db.delete(doc["_id"], doc["_rev"])


async def test_sealed_study_cannot_return_to_draft(contract_dbs: CouchClient, names: DatabaseNames):
    db = contract_dbs.db(names.clinic("north"))
    doc = f.study()
    await db.put(doc)
    with pytest.raises(Forbidden, match="back to draft"):
        await db.put({**doc, "state": "draft"})


async def test_notification_owner_may_only_flip_read(
    contract_dbs: CouchClient, names: DatabaseNames
):
    db = contract_dbs.db(names.clinic("north"))
    doc = f.notification()
    await db.put(doc)
    await db.put({**doc, "read": True, "read_at": f.NOW})
    with pytest.raises(Forbidden, match="only read"):
        await db.put({**doc, "title": "changed"})


async def test_chunks_are_immutable(contract_dbs: CouchClient, names: DatabaseNames):
    db = contract_dbs.db(names.clinic("north"))
    doc = f.chunk()
    await db.put(doc)
    other = f.chunk(data=b"other bytes")
    other["_rev"] = doc["_rev"]
    with pytest.raises(Forbidden, match="immutable"):
        await db.put(other)
