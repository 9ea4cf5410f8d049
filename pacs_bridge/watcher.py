"""Changes feeds: the clinics database for the list of clinics, and each clinic's database.

A sealed manifest (``study:…`` with ``state: sealed``) opens a job in the bridge database
and only then is its sequence eligible for the checkpoint, so a crash at any point either
replays the change (harmless: opening an open job is a no-op) or finds the job at start.
Chunk changes only wake a study that is waiting for them; they need no record, because
every unfinished job is run again at start anyway.  A clinic added to the clinics
database gets its feed within a heartbeat, without a restart — from the worker that wins
its lease (see :mod:`pacs_bridge.leases`).  The desk database is followed the same way, by
the worker holding the desk's lease, to carry final reports back (:class:`DeskFeed`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time

from couch_design_docs.names import valid_clinic_id
from pacs_bridge.errors import Retryable, map_couch_errors
from pacs_bridge.leases import Leases, preferred
from pacs_bridge.pipeline import Context
from pacs_bridge.reports import carry_report
from pacs_bridge.worker import Worker
from relaypacs.couch import Change, CouchError
from relaypacs.types import Seq

log = logging.getLogger(__name__)


class CheckpointedFeed:
    """Follows one database from its durable checkpoint (``checkpoint:<db>``): a change's
    sequence counts as done only after :meth:`handle` returned, and is saved at most every
    ``checkpoint_interval`` seconds, so a restart replays at most a few (harmless) changes."""

    def __init__(self, ctx: Context, db_name: str) -> None:
        self.ctx = ctx
        self.db_name = db_name
        self.db = ctx.couch.db(db_name)
        self.done_seq: Seq | None = None
        self.saved_seq: Seq | None = None

    async def handle(self, change: Change) -> None:
        raise NotImplementedError

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


class ClinicFeed(CheckpointedFeed):
    """Follows one clinic database: sealed manifests open jobs, chunks wake waiting ones."""

    def __init__(self, ctx: Context, worker: Worker, clinic_id: str) -> None:
        super().__init__(ctx, ctx.names.clinic(clinic_id))
        self.worker = worker
        self.clinic_id = clinic_id

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


class DeskFeed(CheckpointedFeed):
    """Follows the desk database: final reports go back to their clinic (see
    :mod:`pacs_bridge.reports`).  Other desk documents (worklist, claims, notifications)
    need nothing.  A transient failure holds the feed (everything here needs CouchDB
    anyway); an unexpected one is retried a few times, then the report is skipped, logged."""

    ATTEMPTS = 5

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx, ctx.names.desk)

    async def handle(self, change: Change) -> None:
        if change.deleted or not change.id.startswith("report:"):
            return
        failures = 0
        while True:
            try:
                with map_couch_errors():
                    doc = await self.db.get_or_none(change.id)
                if doc is not None:
                    await carry_report(self.ctx, doc)
                return
            except (CouchError, Retryable) as exc:
                log.info("desk report %s not carried yet (%s)", change.id, type(exc).__name__)
            except Exception:
                failures += 1
                log.exception("desk report %s: unexpected error", change.id)
                if failures >= self.ATTEMPTS:
                    return
            await asyncio.sleep(1.0)


DESK_LEASE = "@desk"  # not a clinic id, so it never collides with a clinic's lease


class ClinicOwner:
    """Holds (or waits for) one clinic's lease; follows its feed while the lease is ours."""

    def __init__(self, ctx: Context, worker: Worker, leases: Leases, clinic_id: str) -> None:
        self.ctx = ctx
        self.worker = worker
        self.leases = leases
        self.clinic_id = clinic_id  # the lease's key
        self.feed: asyncio.Task[None] | None = None

    def make_feed(self) -> CheckpointedFeed:
        return ClinicFeed(self.ctx, self.worker, self.clinic_id)

    async def started(self) -> None:
        await self.worker.resume(self.clinic_id)

    def stopped(self) -> None:
        self.worker.abandon(self.clinic_id)

    async def run(self) -> None:
        ttl = self.ctx.settings.lease_ttl
        period = max(0.2, ttl / 3)
        free_since: float | None = None
        try:
            while True:
                try:
                    held = await self._hold(ttl, free_since)
                    free_since = (
                        None
                        if held or await self.leases.holder(self.clinic_id)
                        else (free_since or time.monotonic())
                    )
                except (CouchError, Retryable) as exc:
                    log.info("lease of %s not renewed: %s", self.clinic_id, type(exc).__name__)
                    held = self.feed is not None  # keep working until the lease expires
                if held and self.feed is None:
                    log.info("following %s", self.clinic_id)
                    feed = self.make_feed()
                    self.feed = asyncio.create_task(feed.run(), name=f"feed {self.clinic_id}")
                    await self.started()
                elif not held and self.feed is not None:
                    log.info("%s is now followed elsewhere", self.clinic_id)
                    await self._stop_feed()
                await asyncio.sleep(period * random.uniform(0.8, 1.2))
        finally:
            await self._stop_feed()
            with contextlib.suppress(Exception):
                await self.leases.release(self.clinic_id)

    async def _hold(self, ttl: float, free_since: float | None) -> bool:
        """Renew, take, or hand over the lease; True if this worker should follow the clinic."""
        best = preferred(self.clinic_id, await self.leases.live_workers())
        mine = best == self.leases.owner
        if self.feed is not None:
            if not mine:  # a preferred worker is alive: hand the clinic over
                await self._stop_feed()
                await self.leases.release(self.clinic_id)
                return False
            return await self.leases.acquire(self.clinic_id)
        waited = free_since is not None and time.monotonic() - free_since > ttl
        if mine or waited:
            return await self.leases.acquire(self.clinic_id)
        return False

    async def _stop_feed(self) -> None:
        self.stopped()
        if self.feed is not None:
            self.feed.cancel()
            await asyncio.gather(self.feed, return_exceptions=True)
            self.feed = None


class DeskOwner(ClinicOwner):
    """The desk database's feed, followed by the one worker holding the desk's lease."""

    def __init__(self, ctx: Context, worker: Worker, leases: Leases) -> None:
        super().__init__(ctx, worker, leases, DESK_LEASE)

    def make_feed(self) -> CheckpointedFeed:
        return DeskFeed(self.ctx)

    async def started(self) -> None:
        pass

    def stopped(self) -> None:
        pass


class ClinicWatcher:
    """Follows the clinics database and keeps one :class:`ClinicOwner` per active clinic."""

    def __init__(self, ctx: Context, worker: Worker) -> None:
        self.ctx = ctx
        self.worker = worker
        self.leases = Leases(
            ctx.couch.db(ctx.names.bridge), ctx.settings.worker_id, ctx.settings.lease_ttl
        )
        self.owners: dict[str, asyncio.Task[None]] = {}

    async def heartbeat(self) -> None:
        period = max(0.2, self.ctx.settings.lease_ttl / 3)
        try:
            while True:
                try:
                    await self.leases.heartbeat()
                except (CouchError, Retryable) as exc:
                    log.info("heartbeat not written: %s", type(exc).__name__)
                await asyncio.sleep(period)
        finally:
            with contextlib.suppress(Exception):
                await self.leases.heartbeat(leaving=True)

    async def run(self) -> None:
        beat = asyncio.create_task(self.heartbeat(), name="worker heartbeat")
        desk = asyncio.create_task(
            DeskOwner(self.ctx, self.worker, self.leases).run(), name="lease desk"
        )
        try:
            await self._follow_clinics()
        finally:
            desk.cancel()
            await asyncio.gather(desk, return_exceptions=True)
            beat.cancel()
            await asyncio.gather(beat, return_exceptions=True)

    async def _follow_clinics(self) -> None:
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
        if active and clinic_id not in self.owners:
            owner = ClinicOwner(self.ctx, self.worker, self.leases, clinic_id)
            self.owners[clinic_id] = asyncio.create_task(owner.run(), name=f"lease {clinic_id}")
        elif not active and clinic_id in self.owners:
            self.owners.pop(clinic_id).cancel()
            log.info("stopped following clinic %s", clinic_id)

    async def close(self) -> None:
        tasks = list(self.owners.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self.owners.clear()
