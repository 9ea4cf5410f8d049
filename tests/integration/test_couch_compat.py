"""What differs between CouchDB 3 and the PouchDB-Server stand-in, pinned down.

The client must not rely on either side of these; each test states the portable behaviour
it relies on instead, and passes on both servers.
"""

from __future__ import annotations

import pytest

from relaypacs.couch import CouchClient

pytestmark = pytest.mark.integration


@pytest.fixture
async def db(couch: CouchClient, names):
    database = couch.db(names.prefix + "compat")
    await database.create()
    return database


async def test_sequences_are_opaque_and_round_trip(db):
    """CouchDB 3: strings like "3-g1AAAA…"; the stand-in: integers. Store them as given."""
    await db.bulk_docs([{"_id": "a"}, {"_id": "b"}])
    first = await db.changes(limit=1)
    assert isinstance(first["last_seq"], str | int)
    rest = await db.changes(since=first["last_seq"])
    # the order inside one _bulk_docs is the server's (the stand-in does not keep it);
    # what matters is that the sequence given back resumes after the first change
    (seen,) = [row["id"] for row in first["results"]]
    assert [row["id"] for row in rest["results"]] == [{"a": "b", "b": "a"}[seen]]


async def test_json_is_answered_when_asked_for(db):
    response = await db.client.request("GET", db.path, headers={"Accept": "application/json"})
    assert response.headers["content-type"].startswith("application/json")


async def test_attachment_digest_is_md5_on_both(db):
    rev = await db.put_attachment("d", "data", b"abc")
    doc = await db.get("d", rev=rev)
    assert doc["_attachments"]["data"]["digest"].startswith("md5-")
    assert doc["_attachments"]["data"]["length"] == 3


async def test_since_now_skips_history(db):
    await db.put({"_id": "old"})
    result = await db.changes(since="now")
    assert result["results"] == []


async def test_replicated_update_of_an_existing_document_is_stored(couch: CouchClient, names):
    """new_edits=false with a longer history wins, as replication needs (also under a VDU)."""
    from couch_design_docs.setup import setup
    from tests import factories

    await setup(couch, names, clinic_ids=["north"])
    db = couch.db(names.clinic("north"))
    doc = factories.notification()
    rev1 = await db.put(doc)
    rev2_hash = "0" * 31 + "2"
    replicated = {
        **doc,
        "_rev": f"2-{rev2_hash}",
        "read": True,
        "_revisions": {"start": 2, "ids": [rev2_hash, rev1.split("-", 1)[1]]},
    }
    result = await db.bulk_docs([replicated], new_edits=False)
    assert not any("error" in r for r in result), result
    stored = await db.get(doc["_id"])
    assert stored["_rev"] == f"2-{rev2_hash}"
    assert stored["read"] is True
