"""The worker: one task per study, bounded concurrency, durable retries (shaped like arq).

Work is identified by (clinic, study).  ``submit`` starts a run unless one is running, in
which case it asks for one more run afterwards (a chunk arrived mid-run).  After each run
the job document in the bridge database records the outcome before anything else happens:
``done``; ``waiting`` for chunks (woken by the chunk's change, or failed at the chunk-wait
deadline); or ``retrying`` with the time of the next attempt — exponential backoff with
jitter, given up after ``give_up_after`` seconds with status ``failed`` and the reason.
APScheduler (3.x ``AsyncIOScheduler``) fires the retries; its jobs are rebuilt from the job
documents at start, so retries survive restarts.
"""

from __future__ import annotations

import asyncio
import logging
import random
from datetime import datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from couch_design_docs.timestamps import parse_timestamp, to_timestamp, utcnow
from pacs_bridge.errors import BridgeError, Retryable, describe
from pacs_bridge.pipeline import Context, Outcome, fail_study, process_study
from pacs_bridge.state import Job

log = logging.getLogger(__name__)


def backoff_delay(attempt: int, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Exponential backoff with "equal jitter": half fixed, half random, capped at ``cap``."""
    exp = min(cap, base * (2 ** max(0, attempt - 1)))
    return exp / 2 + (rng or random).uniform(0, exp / 2)


def give_up_at(job: Job, give_up_after: float, chunk_wait: float) -> datetime | None:
    since = parse_timestamp(job.problem_since)
    if since is None:
        return None
    limit = chunk_wait if job.waiting_for_chunks else give_up_after
    return since + timedelta(seconds=limit)


class Worker:
    def __init__(self, ctx: Context, scheduler: AsyncIOScheduler) -> None:
        self.ctx = ctx
        self.scheduler = scheduler
        self.settings = ctx.settings
        self.sem = asyncio.Semaphore(max(1, self.settings.study_concurrency))
        self.running: dict[tuple[str, str], asyncio.Task[None]] = {}
        self.again: set[tuple[str, str]] = set()
        self.waiting: set[tuple[str, str]] = set()
        self.held: set[str] = set()  # clinics whose lease this worker holds
        self.closing = False

    # -- entry points ----------------------------------------------------------------------

    def submit(self, clinic: str, study_id: str) -> None:
        key = (clinic, study_id)
        if self.closing:
            return
        if key in self.running:
            self.again.add(key)
            return
        self.running[key] = asyncio.create_task(self._run(key), name=f"study {clinic}/{study_id}")

    def nudge(self, clinic: str, study_id: str) -> None:
        """A chunk of this study arrived: run it if it waits for chunks or is running."""
        key = (clinic, study_id)
        if key in self.waiting or key in self.running:
            self.submit(clinic, study_id)

    async def resume(self, clinic: str) -> int:
        """Start (or schedule) the clinic's jobs that were not done when last stopped."""
        self.held.add(clinic)
        jobs = [j for j in await self.ctx.state.unfinished_jobs() if j.clinic == clinic]
        now = utcnow()
        for job in jobs:
            key = (job.clinic, job.study_id)
            if job.state == "waiting":
                self.waiting.add(key)
            when = parse_timestamp(job.next_attempt_at)
            if job.state == "retrying" and when is not None and when > now:
                self._schedule(job, when)
            else:
                self.submit(job.clinic, job.study_id)
        return len(jobs)

    def abandon(self, clinic: str) -> None:
        """The clinic's lease is gone: stop its work here (as a crash would, safely)."""
        self.held.discard(clinic)
        for key, task in list(self.running.items()):
            if key[0] == clinic:
                task.cancel()
        for job in self.scheduler.get_jobs():
            if job.id.startswith(f"study:{clinic}:"):
                job.remove()
        self.waiting = {key for key in self.waiting if key[0] != clinic}

    async def take_retry_requests(self) -> None:
        """Admins' retries (``retry:<clinic>:<study>``): re-open the job, run it, drop the
        request.  A crash before the drop only means the (idempotent) retry runs again."""
        try:
            requests = await self.ctx.state.retry_requests()
        except Retryable as exc:
            log.info("retry requests not read: %s", exc.code)
            return
        for request in requests:
            clinic, study_id = request.get("clinic"), request.get("study_id")
            if clinic not in self.held or not study_id:
                continue
            await self.ctx.state.open_job(clinic, study_id, retry=True)
            await self.ctx.state.drop_retry_request(request)
            log.info("study %s/%s: retry requested by an administrator", clinic, study_id)
            self.waiting.discard((clinic, study_id))
            self.submit(clinic, study_id)

    async def sweep(self) -> None:
        """Safety net: start unfinished jobs that are neither running nor scheduled."""
        try:
            jobs = await self.ctx.state.unfinished_jobs()
        except Retryable as exc:
            log.info("sweep skipped: %s", exc.code)
            return
        now = utcnow()
        for job in jobs:
            key = (job.clinic, job.study_id)
            if job.clinic not in self.held:
                continue
            if key in self.running or self.scheduler.get_job(self._job_name(key)):
                continue
            when = parse_timestamp(job.next_attempt_at)
            deadline = give_up_at(
                job, self.settings.give_up_after, self.settings.chunk_wait_timeout
            )
            if job.state == "waiting" and (deadline is None or deadline > now):
                self.waiting.add(key)
                self._schedule(job, deadline or now + timedelta(seconds=60))
                continue
            if when is None or when <= now:
                self.submit(job.clinic, job.study_id)
            else:
                self._schedule(job, when)

    async def drain(self, grace: float = 10.0) -> None:
        self.closing = True
        tasks = list(self.running.values())
        if not tasks:
            return
        _, pending = await asyncio.wait(tasks, timeout=grace)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending, timeout=5)

    # -- internals -------------------------------------------------------------------------

    def _deadline(self, job: Job) -> datetime | None:
        return give_up_at(job, self.settings.give_up_after, self.settings.chunk_wait_timeout)

    @staticmethod
    def _job_name(key: tuple[str, str]) -> str:
        return f"study:{key[0]}:{key[1]}"

    def _schedule(self, job: Job, when: datetime) -> None:
        self.scheduler.add_job(
            self._fire,
            "date",
            run_date=when,
            args=[job.clinic, job.study_id],
            id=self._job_name((job.clinic, job.study_id)),
            replace_existing=True,
            misfire_grace_time=None,
            coalesce=True,
        )

    async def _fire(self, clinic: str, study_id: str) -> None:
        if clinic in self.held:
            self.submit(clinic, study_id)

    async def _run(self, key: tuple[str, str]) -> None:
        try:
            while True:
                self.again.discard(key)
                async with self.sem:
                    await self._attempt(*key)
                if key not in self.again or self.closing:
                    return
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("study %s/%s: could not record the run's outcome", *key)
            job = Job(clinic=key[0], study_id=key[1], created_at="", updated_at="")
            self._schedule(job, utcnow() + timedelta(seconds=self.settings.retry_base))
        finally:
            self.running.pop(key, None)

    async def _attempt(self, clinic: str, study_id: str) -> None:
        state = self.ctx.state
        job = await state.get_job(clinic, study_id) or await state.open_job(clinic, study_id)
        if job.state == "done":
            self.waiting.discard((clinic, study_id))
            return
        now = utcnow()
        deadline = self._deadline(job)
        give_up = deadline is not None and deadline <= now
        try:
            outcome = await process_study(
                self.ctx, clinic, study_id, give_up=give_up, retry=job.retry_requested
            )
        except BridgeError as exc:
            outcome = Outcome("retry", exc)
        except Exception as exc:  # a bug or an unforeseen answer: retry, then give up
            log.exception("study %s/%s: unexpected error", clinic, study_id)
            outcome = Outcome("retry", exc)
            if give_up:  # never "done" silently: the study ends failed, with the reason
                try:
                    outcome = await fail_study(self.ctx, clinic, study_id, exc)
                except Exception:
                    log.exception("study %s/%s: could not record the failure", clinic, study_id)
        await self._record(job, outcome)

    async def _record(self, job: Job, outcome: Outcome) -> None:
        key = (job.clinic, job.study_id)
        now = utcnow()
        job.updated_at = to_timestamp(now)
        error = outcome.error
        job.last_error = (
            None
            if error is None
            else (error.code + ": " + str(error))[:1000]
            if isinstance(error, BridgeError)
            else describe(error)[:1000]
        )
        job.retry_requested = False
        if outcome.kind == "done":
            if outcome.result is not None:
                job.result, job.result_code, job.result_message = outcome.result
                job.result_at = to_timestamp(now)
            job.state = "done"
            job.attempts = 0
            job.problem_since = None
            job.next_attempt_at = None
            job.waiting_for_chunks = False
            self.waiting.discard(key)
            if self.scheduler.get_job(self._job_name(key)):
                self.scheduler.remove_job(self._job_name(key))
            await self.ctx.state.save_job(job)
            return
        if outcome.kind == "waiting":
            if not job.waiting_for_chunks:
                job.problem_since = to_timestamp(now)
            job.state = "waiting"
            job.waiting_for_chunks = True
            job.next_attempt_at = None
            self.waiting.add(key)
            deadline = give_up_at(
                job, self.settings.give_up_after, self.settings.chunk_wait_timeout
            )
            await self.ctx.state.save_job(job)
            if deadline is not None:
                self._schedule(job, max(deadline, now) + timedelta(seconds=0.05))
            return
        # retry
        if job.problem_since is None or job.waiting_for_chunks:
            job.problem_since = to_timestamp(now)
        job.waiting_for_chunks = False
        job.state = "retrying"
        job.attempts += 1
        delay = backoff_delay(job.attempts, self.settings.retry_base, self.settings.retry_max)
        when = now + timedelta(seconds=delay)
        deadline = self._deadline(job)
        if deadline is not None and when > deadline:
            when = max(deadline, now) + timedelta(seconds=0.05)
        job.next_attempt_at = to_timestamp(when)
        self.waiting.discard(key)
        await self.ctx.state.save_job(job)
        self._schedule(job, when)
        log.info(
            "study %s/%s: retry %d in %.1fs (%s)",
            job.clinic,
            job.study_id,
            job.attempts,
            (when - now).total_seconds(),
            job.last_error and job.last_error.split(":")[0],
        )
