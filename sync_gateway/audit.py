"""The audit trail: who did what to which documents, when, from where (no PHI).

Events are queued and appended to the audit database in batches by one background task,
so auditing a replication request costs the request nothing; the queue is bounded (an
overflowing queue drops events with a warning rather than holding memory) and is flushed
on shutdown.  A batch gathers for ``gather_seconds`` (1 s): a replication audits every
chunk it reads, and each write is a ``_bulk_docs`` CouchDB pays for whatever its size —
gathering for 1 s rather than 0.2 s made pulls through the gateway 0.026 faster relative to
direct (three alternating A/Bs).  Whoever reads the trail calls :meth:`AuditLog.flushed`
first, which does not wait for a gathering.  Ids are ``audit:<timestamp>:<uuid>``, as the
contract requires.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable, Iterable

from couch_design_docs.models import AuditEvent
from couch_design_docs.timestamps import now_timestamp
from relaypacs.couch import CouchClient, CouchError

log = logging.getLogger(__name__)

MAX_IDS_PER_EVENT = 200


class AuditLog:
    def __init__(
        self,
        couch: CouchClient,
        db_name: str,
        *,
        enabled: bool = True,
        gather_seconds: float = 1.0,
        max_queue: int = 10_000,
        listener: Callable[[str, str, str | None], None] | None = None,
    ) -> None:
        self._db = couch.db(db_name)
        self._enabled = enabled
        self._gather_seconds = gather_seconds
        self._listener = listener  # (action, outcome, detail): metrics count from the trail
        self._queue: asyncio.Queue[dict] = asyncio.Queue(max_queue)
        self._task: asyncio.Task | None = None
        self._writing = asyncio.Lock()
        self._hurry = asyncio.Event()

    def record(
        self,
        actor: str,
        action: str,
        *,
        role: str | None = None,
        outcome: str = "ok",
        db: str | None = None,
        doc_ids: Iterable[str] = (),
        ip: str | None = None,
        detail: str | None = None,
    ) -> None:
        if self._listener is not None:
            self._listener(action, outcome, detail)
        if not self._enabled:
            return
        ids = list(doc_ids)
        for start in range(0, max(len(ids), 1), MAX_IDS_PER_EVENT):
            at = now_timestamp()
            event = AuditEvent(
                _id=f"audit:{at}:{uuid.uuid4().hex}",
                at=at,
                actor=actor[:256],
                role=role,
                action=action,
                outcome=outcome,  # type: ignore[arg-type]
                db=db,
                doc_ids=[i[:300] for i in ids[start : start + MAX_IDS_PER_EVENT]],
                ip=(ip or None) and ip[:64],
                detail=detail[:1000] if detail else None,
            )
            try:
                self._queue.put_nowait(event.to_doc())
            except asyncio.QueueFull:
                log.warning("audit queue full; dropping an event (%s)", action)

    def start(self) -> None:
        if self._enabled and self._task is None:
            self._task = asyncio.create_task(self._run(), name="audit-writer")

    async def stop(self) -> None:
        await self.flushed()  # the batch being gathered too: its first event left the queue
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self._flush(self._drain())

    def _drain(self, limit: int = 5_000) -> list[dict]:
        batch: list[dict] = []
        while len(batch) < limit:
            try:
                batch.append(self._queue.get_nowait())
            except asyncio.QueueEmpty:
                break
        return batch

    async def _flush(self, batch: list[dict]) -> None:
        if not batch:
            return
        try:
            await self._db.bulk_docs(batch)
        except CouchError as exc:
            log.warning("could not write %d audit events: %s", len(batch), type(exc).__name__)

    async def _run(self) -> None:
        while True:
            first = await self._queue.get()
            async with self._writing:
                with contextlib.suppress(TimeoutError):  # gather a batch
                    await asyncio.wait_for(self._hurry.wait(), self._gather_seconds)
                self._hurry.clear()
                await self._flush([first, *self._drain()])

    async def flushed(self) -> None:
        """Write everything recorded so far, including a batch being gathered (the admin's
        trail and tests read it right after acting)."""
        self._hurry.set()  # a batch being gathered goes now, not after its gathering time
        async with self._writing:
            await self._flush(self._drain(limit=100_000))
            self._hurry.clear()
