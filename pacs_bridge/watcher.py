"""Changes feeds: the clinics database for the list of clinics, and each clinic's database.

A sealed manifest (``study:…`` with ``state: sealed``) opens a job in the bridge database
and only then is its sequence eligible for the checkpoint, so a crash at any point either
replays the change (harmless: opening an open job is a no-op) or finds the job at start.
Chunk changes only wake a study that is waiting for them; they need no record, because
every unfinished job is run again at start anyway.  A clinic added to the clinics
database gets its feed within a heartbeat, without a restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from couch_design_docs.names import valid_clinic_id
from pacs_bridge.errors import Retryable
from pacs_bridge.pipeline import Context
from pacs_bridge.worker import Worker
from relaypacs.couch import Change, CouchError
from relaypacs.types import Seq

log = logging.getLogger(__name__)


class ClinicFeed:
    """Follows one clinic database from its durable checkpoint."""

    def __init__(self, ctx: Context, worker: Worker, clinic_id: str) -> None:
        self.ctx = ctx
        self.worker = worker
        self.clinic_id = clinic_id
        self.db_name = ctx.names.clinic(clinic_id)
        self.db = ctx.couch.db(self.db_name)
        self.done_seq: Seq | None = None
        self.saved_seq: Seq | None = None

    async def run(self) -> None:
        interval = self.ctx.settings.checkpoint_interval
        while True:
            flusher = None
            try:
                since = await self.ctx.state.checkpoint(self.db_name)
                self.done_seq = self.saved_seq = since
                flusher = asyncio.create_task(self._flush_loop(interval))
                async for change in self.db.follow(
                    since=since, heartbeat_ms=self.ctx.settings.heartbeat_ms
                ):
                    await self.handle(change)
                    self.done_seq = change.seq
            except asyncio.CancelledError:
                raise
            except (CouchError, Retryable) as exc:
                log.info("feed of %s: %s; retrying", self.db_name, type(exc).__name__)
            finally:
                if flusher is not None:
                    flusher.cancel()
                    with contextlib.suppress(BaseException):
                        await flusher
                    with contextlib.suppress(Exception):
                        await self.flush()
            await asyncio.sleep(1.0)

    async def handle(self, change: Change) -> None:
        """Record the work a change asks for (durably, for manifests) before it counts."""
        if change.deleted:
            return
        kind, _, rest = change.id.partition(":")
        if kind == "study":
            while True:
                try:
                    doc = await self.db.get_or_none(change.id)
                    if doc is None or doc.get("state") != "sealed":
                        return
                    await self.ctx.state.open_job(self.clinic_id, rest)
                    break
                except (CouchError, Retryable) as exc:
                    log.info("feed of %s: recording %s failed (%s)", self.db_name, rest, exc)
                    await asyncio.sleep(1.0)
            self.worker.waiting.discard((self.clinic_id, rest))
            self.worker.submit(self.clinic_id, rest)
        elif kind == "chunk":
            study_id = rest.split(":", 1)[0]
            self.worker.nudge(self.clinic_id, study_id)

    async def flush(self) -> None:
        if self.done_seq is not None and self.done_seq != self.saved_seq:
            seq = self.done_seq
            await self.ctx.state.save_checkpoint(self.db_name, seq)
            self.saved_seq = seq

    async def _flush_loop(self, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            try:
                await self.flush()
            except (CouchError, Retryable) as exc:
                log.info("checkpoint of %s not saved: %s", self.db_name, type(exc).__name__)


class ClinicWatcher:
    """Follows the clinics database and keeps one :class:`ClinicFeed` per active clinic."""

    def __init__(self, ctx: Context, worker: Worker) -> None:
        self.ctx = ctx
        self.worker = worker
        self.feeds: dict[str, asyncio.Task[None]] = {}
        self.started = time.monotonic()

    async def run(self) -> None:
        db = self.ctx.couch.db(self.ctx.names.clinics)
        while True:
            try:
                async for change in db.follow(
                    since=0, include_docs=True, heartbeat_ms=self.ctx.settings.heartbeat_ms
                ):
                    self.on_clinic_change(change)
            except asyncio.CancelledError:
                raise
            except CouchError as exc:
                log.info("clinics feed: %s; retrying", type(exc).__name__)
            await asyncio.sleep(1.0)

    def on_clinic_change(self, change: Change) -> None:
        kind, _, clinic_id = change.id.partition(":")
        if kind != "clinic" or not valid_clinic_id(clinic_id):
            return
        doc = change.doc or {}
        active = not change.deleted and doc.get("active", True)
        if active and clinic_id not in self.feeds:
            feed = ClinicFeed(self.ctx, self.worker, clinic_id)
            self.feeds[clinic_id] = asyncio.create_task(feed.run(), name=f"feed {clinic_id}")
            log.info("following clinic %s", clinic_id)
        elif not active and clinic_id in self.feeds:
            self.feeds.pop(clinic_id).cancel()
            log.info("stopped following clinic %s", clinic_id)

    async def close(self) -> None:
        tasks = list(self.feeds.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self.feeds.clear()
