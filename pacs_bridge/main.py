"""Start and stop the bridge: wire the parts together and run until ``stop`` is set."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from couch_design_docs.timestamps import now_timestamp, utcnow
from pacs_bridge.health import report_health
from pacs_bridge.pipeline import ClinicLookup, Context
from pacs_bridge.settings import BridgeSettings
from pacs_bridge.state import BridgeState
from pacs_bridge.store import store_from_settings
from pacs_bridge.stow import pacs_session
from pacs_bridge.watcher import ClinicWatcher
from pacs_bridge.worker import Worker
from relaypacs.couch import CouchClient, CouchError
from relaypacs.webpush import WebPushSender

log = logging.getLogger("pacs_bridge")


def _clean_work_dir(settings: BridgeSettings) -> None:
    """Temp files left by a killed run are useless: every run re-assembles what it needs."""
    path = settings.work_path
    path.mkdir(parents=True, exist_ok=True)
    for leftover in path.iterdir():
        if leftover.suffix in (".part", ".dcm"):
            leftover.unlink(missing_ok=True)


async def compact_dirty(ctx: Context) -> None:
    """Compact clinic databases that lost chunk documents (attachments free their space)."""
    for name in list(ctx.dirty_dbs):
        try:
            await ctx.couch.db(name).compact()
            ctx.dirty_dbs.discard(name)
        except CouchError as exc:
            log.info("compaction of %s deferred: %s", name, type(exc).__name__)


async def _wait_for_couch(ctx: Context, stop: asyncio.Event) -> bool:
    delay = 0.2
    while not stop.is_set():
        try:
            await ctx.couch.db(ctx.names.bridge).create(exist_ok=True)
            return True
        except CouchError as exc:
            log.warning("CouchDB not ready (%s); waiting", type(exc).__name__)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), delay)
        delay = min(delay * 2, 5.0)
    return False


def _push_sender(settings: BridgeSettings, couch: CouchClient) -> WebPushSender | None:
    key = settings.vapid_private_key.get_secret_value() if settings.vapid_private_key else ""
    if not key:
        return None
    return WebPushSender(
        couch, settings.names, vapid_private_key=key, subject=settings.vapid_subject
    )


async def run_bridge(settings: BridgeSettings, stop: asyncio.Event | None = None) -> None:
    """Run the bridge until ``stop`` is set (forever if None)."""
    stop = stop or asyncio.Event()
    await asyncio.to_thread(_clean_work_dir, settings)
    couch = settings.couch_client(timeout=60.0)
    store = store_from_settings(settings)
    http = pacs_session()
    names = settings.names
    ctx = Context(
        settings=settings,
        couch=couch,
        names=names,
        store=store,
        http=http,
        state=BridgeState(couch.db(names.bridge)),
        clinics=ClinicLookup(couch, names),
        push=_push_sender(settings, couch),
    )
    scheduler = AsyncIOScheduler(timezone=UTC)
    worker = Worker(ctx, scheduler)
    watcher = ClinicWatcher(ctx, worker)
    tasks: list[asyncio.Task[None]] = []
    try:
        if not await _wait_for_couch(ctx, stop):
            return
        scheduler.start()
        scheduler.add_job(
            worker.sweep, "interval", seconds=settings.sweep_interval, id="sweep", coalesce=True
        )
        scheduler.add_job(
            compact_dirty,
            "interval",
            args=[ctx],
            seconds=settings.compact_interval,
            id="compact",
            coalesce=True,
        )
        scheduler.add_job(
            worker.take_retry_requests,
            "interval",
            seconds=settings.health_interval,
            id="retry-requests",
            coalesce=True,
        )
        scheduler.add_job(
            report_health,
            "interval",
            args=[ctx, worker.held, now_timestamp()],
            seconds=settings.health_interval,
            id="health",
            coalesce=True,
            next_run_time=utcnow(),
        )
        unfinished = len(await ctx.state.unfinished_jobs())
        tasks.append(asyncio.create_task(watcher.run(), name="clinics feed"))
        log.info(
            "bridge started as worker %s; %d unfinished studies to resume",
            settings.worker_id,
            unfinished,
        )
        await stop.wait()
    finally:
        log.info("bridge stopping")
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await worker.drain()  # let running studies finish their step (bounded)
        await watcher.close()  # then stop the feeds and hand the leases back
        if scheduler.running:
            scheduler.shutdown(wait=False)
        with contextlib.suppress(Exception):
            await compact_dirty(ctx)
        await http.close()
        await store.aclose()
        await couch.aclose()
