"""The audit writer against the real CouchDB-protocol server: batches, and no waiting for
them when somebody reads the trail."""

from __future__ import annotations

import asyncio
import time

from couch_design_docs.names import DatabaseNames
from relaypacs.couch import CouchClient
from sync_gateway.audit import AuditLog


async def audit_log(couch: CouchClient, names: DatabaseNames, gather: float) -> AuditLog:
    await couch.db(names.audit).create()
    log = AuditLog(couch, names.audit, gather_seconds=gather)
    log.start()
    return log


async def test_events_of_one_gathering_are_one_write(
    couch: CouchClient, names: DatabaseNames
) -> None:
    log = await audit_log(couch, names, gather=0.5)
    writes: list[int] = []
    write = log._db.bulk_docs

    async def counted(docs: list, **kwargs: object) -> object:
        writes.append(len(docs))
        return await write(docs, **kwargs)

    log._db.bulk_docs = counted  # type: ignore[method-assign]
    try:
        for n in range(30):
            log.record("amina", "read", db="clinic", doc_ids=[f"chunk:s:f:{n:05d}"])
        for _ in range(50):
            if writes:
                break
            await asyncio.sleep(0.1)
        await log.flushed()  # waits for the write under way, and has nothing left to write
        assert writes == [30]
        assert (await couch.db(names.audit).info())["doc_count"] == 30
    finally:
        await log.stop()


async def mid_gathering(couch: CouchClient, names: DatabaseNames, action: str) -> AuditLog:
    """A writer gathering for 30 s that has taken one ``action`` event off its queue."""
    log = await audit_log(couch, names, gather=30.0)
    log.record("amina", action)
    await asyncio.sleep(0.05)
    return log


async def test_reading_the_trail_does_not_wait_for_a_gathering(
    couch: CouchClient, names: DatabaseNames
) -> None:
    log = await mid_gathering(couch, names, "user_disable")
    try:
        started = time.monotonic()
        await log.flushed()
        assert time.monotonic() - started < 5.0  # not the 30 s gathering
        found = await couch.db(names.audit).find({"actor": "amina"})
        assert [e["action"] for e in found] == ["user_disable"]
    finally:
        await log.stop()


async def test_stopping_writes_the_batch_being_gathered(
    couch: CouchClient, names: DatabaseNames
) -> None:
    log = await mid_gathering(couch, names, "logout")
    await log.stop()
    found = await couch.db(names.audit).find({"actor": "amina"})
    assert [e["action"] for e in found] == ["logout"]
