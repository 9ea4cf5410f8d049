"""One run of one study: assemble → validate → store → deliver → write back → reclaim.

Files flow through the stages concurrently (bounded by ``file_concurrency``) and into a
queue; delivery takes them from the queue in batches of ``stow_batch_size``, so the PACS
receives the first batch while later files are still being assembled.  Every stage is
idempotent — a file already in the archive is not assembled again, an instance a PACS
already confirmed is not sent again — so a run can be cut anywhere (kill -9) and simply
run again.  A run ends in one of three outcomes: ``done`` (the status is final and the
follow-up documents are written), ``waiting`` (chunks still replicating) or ``retry``
(something transient failed; the worker schedules the next run with backoff).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from typing import Literal

import aiohttp

from couch_design_docs.models import Clinic, Destination, Status, StatusState, Study, StudyFile
from couch_design_docs.names import DatabaseNames, study_doc_id
from couch_design_docs.timestamps import now_timestamp
from pacs_bridge import publish
from pacs_bridge import status as st
from pacs_bridge.assembly import assemble, study_chunk_docs
from pacs_bridge.delivery import DeliveryStage
from pacs_bridge.errors import (
    BridgeError,
    ChunksMissing,
    Final,
    Retryable,
    describe,
    map_couch_errors,
)
from pacs_bridge.reclaim import delete_chunks
from pacs_bridge.settings import BridgeSettings
from pacs_bridge.state import BridgeState
from pacs_bridge.store import ObjectStore, object_key
from pacs_bridge.validation import validate_file
from relaypacs.couch import CouchClient, Database
from relaypacs.webpush import WebPushSender

log = logging.getLogger(__name__)


@dataclass
class Outcome:
    kind: Literal["done", "waiting", "retry"]
    error: BaseException | None = None
    result: tuple[str, str | None, str | None] | None = None  # final state, code, message


def result_of(status: Status) -> tuple[str, str | None, str | None]:
    first = status.errors[0] if status.errors else None
    return (
        StatusState(status.state).value,
        first.code if first else None,
        first.message if first else None,
    )


class ClinicLookup:
    """Reads a clinic's document (its destinations) fresh, falling back to the last seen."""

    def __init__(self, couch: CouchClient, names: DatabaseNames) -> None:
        self.db = couch.db(names.clinics)
        self.known: dict[str, Clinic] = {}

    async def get(self, clinic_id: str) -> Clinic | None:
        try:
            with map_couch_errors():
                doc = await self.db.get_or_none(f"clinic:{clinic_id}")
        except Retryable:
            if clinic_id in self.known:
                return self.known[clinic_id]
            raise
        if doc is None:
            return None
        clinic = Clinic.model_validate(doc)
        self.known[clinic_id] = clinic
        return clinic


@dataclass
class Context:
    settings: BridgeSettings
    couch: CouchClient
    names: DatabaseNames
    store: ObjectStore
    http: aiohttp.ClientSession  # to the PACS destinations
    state: BridgeState
    clinics: ClinicLookup
    push: WebPushSender | None = None
    dirty_dbs: set[str] = field(default_factory=set)


async def process_study(
    ctx: Context, clinic_id: str, study_id: str, *, give_up: bool = False, retry: bool = False
) -> Outcome:
    db = ctx.couch.db(ctx.names.clinic(clinic_id))
    with map_couch_errors():
        doc = await db.get_or_none(study_doc_id(study_id))
    if doc is None or doc.get("_deleted") or doc.get("state") != "sealed":
        return Outcome("done")
    study = Study.model_validate(doc)
    now = now_timestamp()
    writer = await st.StatusWriter.load(db, study, now, interval=ctx.settings.checkpoint_interval)
    clinic = await ctx.clinics.get(clinic_id)
    destinations = [d for d in (clinic.destinations if clinic else []) if d.enabled]
    status = writer.status
    if retry and not st.manifest_changed(status, study) and st.reset_for_retry(status, now):
        await writer.flush()
    if st.is_final(status) and not st.manifest_changed(status, study):
        await finish(ctx, db, study, writer, clinic)
        return Outcome("done", result=result_of(status))
    fresh = status.rev is None
    if st.manifest_changed(status, study) or status.manifest_rev != study.rev:
        st.restart(status, study, now)
    if fresh:
        await writer.flush()
        await publish.write_worklist(
            ctx.couch.db(ctx.names.desk),
            publish.worklist_entry(study, status, clinic, viewer=None, delivered_at=None),
        )
    run = StudyRun(ctx, db, study, writer, destinations, give_up=give_up)
    outcome = await run.execute()
    if outcome.kind == "done":
        await finish(ctx, db, study, writer, clinic)
        outcome.result = result_of(status)
    return outcome


async def fail_study(ctx: Context, clinic_id: str, study_id: str, exc: BaseException) -> Outcome:
    """Give up on a study whose runs kept failing unexpectedly (a bug, an unforeseen
    answer): its status ends ``failed`` with a reason a person can read, the technical
    detail beside it, and the usual follow-ups (worklist, the author's notification)."""
    db = ctx.couch.db(ctx.names.clinic(clinic_id))
    with map_couch_errors():
        doc = await db.get_or_none(study_doc_id(study_id))
    if doc is None or doc.get("_deleted") or doc.get("state") != "sealed":
        return Outcome("done", exc)
    study = Study.model_validate(doc)
    now = now_timestamp()
    writer = await st.StatusWriter.load(db, study, now, interval=ctx.settings.checkpoint_interval)
    status = writer.status
    if st.manifest_changed(status, study):
        st.restart(status, study, now)
    error = Final(
        "The bridge hit an unexpected problem with this study and gave up; "
        "an administrator can see the details and retry it.",
        describe(exc),
        code="internal_error",
    )
    st.set_error(status, error.to_status_error())
    st.advance(status, StatusState.failed, now)  # a final state may give way to another
    await writer.flush()
    try:
        await finish(ctx, db, study, writer, await ctx.clinics.get(clinic_id))
    except Exception:  # the follow-ups may be what keeps failing: the status is what counts
        log.exception("study %s/%s: follow-ups of the failure not written", clinic_id, study_id)
    return Outcome("done", exc, result=("failed", error.code, error.message))


class StudyRun(DeliveryStage):
    def __init__(
        self,
        ctx: Context,
        db: Database,
        study: Study,
        writer: st.StatusWriter,
        destinations: list[Destination],
        *,
        give_up: bool,
    ) -> None:
        self.ctx = ctx
        self.db = db
        self.study = study
        self.writer = writer
        self.status: Status = writer.status
        self.destinations = destinations
        self.give_up = give_up
        self.settings = ctx.settings
        self.waiting = False
        self.problems: list[BridgeError] = []
        self.down: set[str] = set()  # destinations that failed transiently in this run
        self.ready: asyncio.Queue[StudyFile | None] = asyncio.Queue()
        self.files_sem = asyncio.Semaphore(max(1, self.settings.file_concurrency))
        self.by_uid = {f.sop_instance_uid: f for f in study.files}
        self.chunks: dict[str, dict[int, dict]] = {}

    def now(self) -> str:
        return now_timestamp()

    async def execute(self) -> Outcome:
        st.advance(self.status, StatusState.assembling, self.now())
        await self.writer.flush()
        todo = [
            f
            for f in self.study.files
            if self.status.files[f.file_id].state in ("pending", "assembled", "valid")
        ]
        if todo:
            self.chunks = await study_chunk_docs(self.db, self.study.study_id)
        consumer = asyncio.create_task(self.deliver_loop())
        try:
            await asyncio.gather(*(self.prepare(f) for f in self.study.files))
        except BaseException:
            consumer.cancel()
            with contextlib.suppress(BaseException):
                await consumer
            raise
        if not self.waiting and not self.problems:
            st.advance(self.status, StatusState.stored, self.now())
            await self.writer.touch()
        await self.ready.put(None)
        await consumer
        return await self.conclude()

    # -- assemble, validate, store ---------------------------------------------------------

    async def prepare(self, file: StudyFile) -> None:
        fs = self.status.files[file.file_id]
        if fs.state == "failed" and fs.error is not None and not fs.error.retryable:
            return
        if fs.state in ("stored", "delivered") and fs.object_key:
            await self.ready.put(file)
            return
        try:
            async with self.files_sem:
                await self._prepare(file)
        except ChunksMissing as exc:
            self._file_problem(file, exc, waiting=True)
        except Final as exc:
            exc.for_file(file.file_id, file.name)
            fs.state = "failed"
            fs.error = exc.to_status_error()
            st.set_error(self.status, fs.error)
            log.info("study %s file %s failed: %s", self.study.study_id, file.file_id, exc.code)
        except Retryable as exc:
            self._file_problem(file, exc, waiting=False)
        else:
            await self.ready.put(file)
        await self.writer.touch()

    def _file_problem(self, file: StudyFile, exc: Retryable, *, waiting: bool) -> None:
        fs = self.status.files[file.file_id]
        exc.for_file(file.file_id, file.name)
        if self.give_up:
            if waiting:
                message = f"File {file.name} never arrived completely — add it to the study again."
            else:
                message = f"File {file.name} could not be archived: {exc.message}"
            final = Final(message, exc.detail, code=f"gave_up_{exc.code}"[:64])
            final.for_file(file.file_id, file.name)
            fs.state = "failed"
            fs.error = final.to_status_error()
            st.set_error(self.status, fs.error)
            return
        fs.state = "pending"
        fs.error = exc.to_status_error()
        st.set_error(self.status, fs.error)
        if waiting:
            self.waiting = True
        else:
            self.problems.append(exc)

    async def _prepare(self, file: StudyFile) -> None:
        fs = self.status.files[file.file_id]
        assembled = await assemble(
            self.db,
            self.study.study_id,
            file,
            self.settings.work_path,
            self.chunks.get(file.file_id, {}),
        )
        try:
            fs.state = "assembled"
            st.advance(self.status, StatusState.validating, self.now())
            await asyncio.to_thread(
                validate_file,
                assembled.path,
                file,
                decode_pixels=self.settings.validate_pixels,
            )
            fs.state = "valid"
            key = object_key(
                file.study_instance_uid, file.series_instance_uid, file.sop_instance_uid
            )
            await self.ctx.store.put_file(key, assembled.path, assembled.sha256, assembled.size)
        finally:
            await asyncio.to_thread(assembled.path.unlink, True)
        fs.state = "stored"
        fs.object_key = key
        fs.md5 = assembled.md5
        fs.stored_at = self.now()
        fs.error = None
        st.clear_errors(self.status, file_id=file.file_id)

    # -- conclude --------------------------------------------------------------------------

    async def conclude(self) -> Outcome:
        await self.verify_receipts()
        now = self.now()
        names = [d.name for d in self.destinations]
        reached = [
            set(d.delivered) | set(d.already_present)
            for n in names
            if (d := self.status.destinations.get(n)) is not None
        ]
        # what every destination holds (nothing while one has not been tried yet)
        everywhere = set.intersection(*reached) if names and len(reached) == len(names) else set()
        for fs in self.status.files.values():
            if fs.state == "stored" and fs.sop_instance_uid in everywhere:
                fs.state = "delivered"
        if not names and not self.waiting:
            error = Final(
                "No PACS is configured for this clinic; an administrator must add one.",
                f"clinic {self.study.clinic} has no enabled destination",
                code="no_destination",
            )
            if self.give_up:
                st.set_error(self.status, error.to_status_error())
            else:
                self.problems.append(Retryable(error.message, error.detail, code=error.code))
                st.set_error(self.status, self.problems[-1].to_status_error())
        if (self.waiting or self.problems) and not self.give_up:
            await self.writer.flush()
            return Outcome("waiting" if self.waiting and not self.problems else "retry",
                           self.problems[0] if self.problems else None)  # fmt: skip
        valid = [fs for fs in self.status.files.values() if fs.state != "failed"]
        for name in names:
            dest = st.destination(self.status, name, len(self.study.files))
            if dest.state == "retrying":  # giving up
                dest.next_attempt_at = None
                if dest.error is not None:
                    dest.error = dest.error.model_copy(
                        update={
                            "retryable": False,
                            "message": f"Gave up delivering to {name}: {dest.error.message}"[:1000],
                        }
                    )
                    st.set_error(self.status, dest.error)
            reached = set(dest.delivered) | set(dest.already_present)
            count = sum(1 for fs in valid if fs.sop_instance_uid in reached)
            if valid and count == len(valid) and count == len(self.status.files):
                dest.state = "delivered"
            elif count:
                dest.state = "partial"
            else:
                dest.state = "failed"
            if count and dest.delivered_at is None:
                dest.delivered_at = now
        final = st.final_state(self.status, names)
        st.advance(self.status, final, now)
        await self.writer.flush()
        log.info(
            "study %s of %s: %s (%d files)",
            self.study.study_id,
            self.study.clinic,
            final.value,
            len(self.status.files),
        )
        return Outcome("done")


async def finish(
    ctx: Context, db: Database, study: Study, writer: st.StatusWriter, clinic: Clinic | None
) -> None:
    """The follow-ups of a final status; idempotent, re-run until the job is marked done."""
    status = writer.status
    state = StatusState(status.state)
    delivered_at = max(
        (d.delivered_at for d in status.destinations.values() if d.delivered_at), default=None
    )
    template = ctx.settings.viewer_url_template
    if clinic:
        template = next(
            (d.viewer_url_template for d in clinic.destinations if d.viewer_url_template),
            template,
        )
    entry = publish.worklist_entry(
        study,
        status,
        clinic,
        viewer=publish.viewer_url(template, study),
        delivered_at=delivered_at,
    )
    await publish.write_worklist(ctx.couch.db(ctx.names.desk), entry)
    notification = publish.notification_for(study, status, now_timestamp(), ctx.settings.app_url)
    if await publish.write_notification(db, notification) and ctx.push is not None:
        await publish.push(ctx.push, notification)
    if state in (StatusState.delivered, StatusState.partial):
        # urgent studies ring the desk when there is something to read, not at receipt
        await publish.notify_desk(
            ctx.couch, ctx.names, ctx.push, study, now_timestamp(), ctx.settings.app_url
        )
        done = [fid for fid, f in status.files.items() if f.state == "delivered"]
        deleted = await delete_chunks(db, study.study_id, done)
        if deleted:
            ctx.dirty_dbs.add(db.name)
        if state == StatusState.delivered and status.reclaimed_at is None:
            status.reclaimed_at = now_timestamp()
            await writer.flush()
