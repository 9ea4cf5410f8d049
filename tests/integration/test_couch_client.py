"""The async CouchDB client against the real server: documents, attachments, changes."""

from __future__ import annotations

import asyncio
import hashlib
import os

import pytest

from relaypacs.couch import Change, Conflict, CouchClient, NotFound
from tests.conftest import CouchEndpoint

pytestmark = pytest.mark.integration


@pytest.fixture
async def db(couch: CouchClient, names):
    database = couch.db(names.prefix + "client")
    assert await database.create() is True
    assert await database.create() is False  # idempotent
    return database


async def test_documents_and_conflicts(db):
    doc = {"_id": "a", "n": 1}
    rev1 = await db.put(doc)
    assert (await db.get("a"))["n"] == 1
    with pytest.raises(Conflict):
        await db.put({"_id": "a", "n": 2})
    stale = {"_id": "a", "_rev": rev1, "n": 3}
    await db.put({**doc, "n": 2})
    with pytest.raises(Conflict):
        await db.put(stale)
    with pytest.raises(NotFound):
        await db.get("missing")
    assert await db.get_or_none("missing") is None


async def test_update_retries_on_conflict(db):
    await db.put({"_id": "counter", "n": 0})

    def bump(doc):
        doc["n"] += 1
        return doc

    await asyncio.gather(*(db.update("counter", bump) for _ in range(10)))
    assert (await db.get("counter"))["n"] == 10


async def test_bulk_docs_all_docs_and_prefix(db):
    results = await db.bulk_docs([{"_id": f"chunk:s:{i:03d}"} for i in range(5)] + [{"_id": "z"}])
    assert all(r.get("ok") for r in results)
    rows = await db.ids_with_prefix("chunk:s:")
    assert [r["id"] for r in rows] == [f"chunk:s:{i:03d}" for i in range(5)]
    by_key = await db.all_docs(keys=["z", "nope"])
    assert by_key["rows"][0]["id"] == "z"


async def test_attachments_stream_both_ways(db):
    payload = os.urandom(3 * 1024 * 1024 + 17)

    async def pieces():
        for start in range(0, len(payload), 256 * 1024):
            yield payload[start : start + 256 * 1024]

    rev = await db.put_attachment("blob", "data", pieces())
    digest = hashlib.sha256()
    async with db.open_attachment("blob", "data", rev=rev) as response:
        async for piece in response.aiter_bytes():
            digest.update(piece)
    assert digest.hexdigest() == hashlib.sha256(payload).hexdigest()


async def test_local_checkpoints_are_not_in_changes(db):
    await db.put_local("checkpoint", {"seq": 5})
    assert (await db.get_local("checkpoint"))["seq"] == 5
    changes = await db.changes()
    assert changes["results"] == []


async def test_selector_filtered_changes(db):
    await db.bulk_docs([{"_id": "s1", "type": "study"}, {"_id": "c1", "type": "chunk"}])
    result = await db.changes(selector={"type": "study"})
    assert [r["id"] for r in result["results"]] == ["s1"]

    seen: list[Change] = []
    async for change in db.follow(selector={"type": {"$ne": "chunk"}}, include_docs=True):
        seen.append(change)
        break
    assert seen[0].id == "s1" and seen[0].doc["type"] == "study"


async def test_follow_sees_live_changes(db):
    async def writer():
        await asyncio.sleep(0.2)
        await db.put({"_id": "live"})

    task = asyncio.create_task(writer())
    async for change in db.follow(heartbeat_ms=1000):
        assert change.id == "live"
        break
    await task


async def test_follow_reads_rows_longer_than_any_piece(db):
    """A row carrying a large document spans many received pieces; it comes whole."""
    big = os.urandom(3 * 1024 * 1024).hex()  # a 6 MB field
    await db.bulk_docs([{"_id": "small-1"}, {"_id": "big", "blob": big}, {"_id": "small-2"}])
    seen = {}
    async for change in db.follow(include_docs=True, heartbeat_ms=1000, reconnect=False):
        seen[change.id] = change.doc
        if len(seen) == 3:
            break
    assert seen["big"]["blob"] == big
    assert set(seen) == {"small-1", "big", "small-2"}


async def test_follow_resumes_after_server_restart(couch_endpoint: CouchEndpoint, names):
    """Kill the server mid-feed; the iterator reconnects and resumes past its last change."""
    if couch_endpoint.server is None:
        pytest.skip("restart needs the harness-managed server")
    client = couch_endpoint.client()
    db = client.db(names.prefix + "restart")
    await db.create()
    try:
        await db.bulk_docs([{"_id": f"before-{i}"} for i in range(3)])
        seen: list[str] = []
        feed = db.follow(heartbeat_ms=500, max_backoff=0.5)
        async for change in feed:
            seen.append(change.id)
            if len(seen) == 3:
                break
        # the consumer checkpointed the seq of its last change; now the server dies
        last_seq = (await db.changes())["last_seq"]
        couch_endpoint.server.kill()

        async def revive():
            await asyncio.sleep(1.0)
            await asyncio.to_thread(couch_endpoint.server.restart)
            await db.bulk_docs([{"_id": f"after-{i}"} for i in range(3)])

        reviver = asyncio.create_task(revive())
        resumed: list[str] = []
        async for change in db.follow(since=last_seq, heartbeat_ms=500, max_backoff=0.5):
            resumed.append(change.id)
            if len(resumed) == 3:
                break
        await reviver
        assert seen == ["before-0", "before-1", "before-2"]
        assert resumed == ["after-0", "after-1", "after-2"]  # nothing lost, nothing repeated
    finally:
        await db.destroy()
        await client.aclose()


async def test_one_feed_survives_a_restart_without_repeats(couch_endpoint: CouchEndpoint, names):
    if couch_endpoint.server is None:
        pytest.skip("restart needs the harness-managed server")
    client = couch_endpoint.client()
    db = client.db(names.prefix + "restart2")
    await db.create()
    try:
        await db.put({"_id": "one"})
        seen: list[str] = []
        drops: list[Exception] = []

        async def consume():
            async for change in db.follow(
                heartbeat_ms=300, max_backoff=0.3, on_disconnect=drops.append
            ):
                seen.append(change.id)
                if len(seen) == 2:
                    return

        consumer = asyncio.create_task(consume())
        await asyncio.sleep(0.5)
        couch_endpoint.server.kill()
        await asyncio.sleep(0.5)
        await asyncio.to_thread(couch_endpoint.server.restart)
        await db.put({"_id": "two"})
        await asyncio.wait_for(consumer, 30)
        assert seen == ["one", "two"]
        assert drops, "the feed should have noticed the restart"
    finally:
        await db.destroy()
        await client.aclose()
