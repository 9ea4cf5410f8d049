"""The delivery stage of a study run: ready files, in batches, to every destination.

Batches of ``stow_batch_size`` go out as soon as they fill (up to ``stow_concurrency`` in
flight), so the PACS receives the first images while later ones are still assembled.  An
instance is sent to a destination only if neither the status nor the delivery ledger says
that destination already confirmed it (the ledger also catches the same instance sealed
again in another study: ``already_present``).  What the PACS confirms is written to the
ledger, then to the status; a transient failure marks the destination ``retrying`` and
the run ``retry``; a refusal marks the instances ``failed`` with the PACS's reason.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from couch_design_docs.models import Destination, StatusState, StudyFile
from pacs_bridge import status as st
from pacs_bridge.errors import PacsRejected, PacsUnavailable, Retryable
from pacs_bridge.receipt import Sent, verify_orthanc
from pacs_bridge.state import destination_key
from pacs_bridge.stow import Part, failure_text, stow

if TYPE_CHECKING:
    from couch_design_docs.models import Status, Study
    from pacs_bridge.errors import BridgeError
    from pacs_bridge.pipeline import Context
    from pacs_bridge.settings import BridgeSettings


class DeliveryStage:
    """Mixed into :class:`pacs_bridge.pipeline.StudyRun`, whose state it uses."""

    ctx: Context
    settings: BridgeSettings
    study: Study
    status: Status
    writer: st.StatusWriter
    destinations: list[Destination]
    ready: asyncio.Queue[StudyFile | None]
    problems: list[BridgeError]
    down: set[str]
    by_uid: dict[str, StudyFile]

    def now(self) -> str:
        raise NotImplementedError

    async def deliver_loop(self) -> None:
        """Take ready files in batches; up to ``stow_concurrency`` batches in flight."""
        batch: list[StudyFile] = []
        size = max(1, self.settings.stow_batch_size)
        slots = asyncio.Semaphore(max(1, self.settings.stow_concurrency))
        in_flight: set[asyncio.Task[None]] = set()

        async def send(files: list[StudyFile]) -> None:
            try:
                await self.deliver_batch(files)
            finally:
                slots.release()

        try:
            while True:
                file = await self.ready.get()
                if file is not None:
                    batch.append(file)
                    if len(batch) < size:
                        continue
                if batch:
                    await slots.acquire()
                    task = asyncio.create_task(send(batch))
                    in_flight.add(task)
                    task.add_done_callback(in_flight.discard)
                    batch = []
                if file is None:
                    break
            if in_flight:
                await asyncio.gather(*in_flight)
        except BaseException:
            for task in in_flight:
                task.cancel()
            raise

    async def deliver_batch(self, files: list[StudyFile]) -> None:
        for destination in self.destinations:
            if destination.name in self.down:
                continue
            try:
                await self.deliver_to(destination, files)
            except PacsUnavailable as exc:
                self._destination_retry(destination, exc)
            except Retryable as exc:  # the archive or CouchDB: the study retries as a whole
                self.problems.append(exc)
                self.down.add(destination.name)
            await self.writer.touch()

    async def verify_receipts(self) -> None:
        """Compare what each Orthanc destination holds with what was sent (see
        :mod:`pacs_bridge.receipt`) for every instance not checked yet (each batch is checked
        as soon as the PACS confirmed it; this catches the rest, e.g. after a restart)."""
        for destination in self.destinations:
            dest = self.status.destinations.get(destination.name)
            if dest is not None:
                await self.verify_at(destination, [*dest.delivered, *dest.already_present])

    async def verify_at(self, destination: Destination, uids: list[str]) -> None:
        """The integrity receipt for ``uids`` at one destination; a mismatch takes the
        instance out of the delivered."""
        dest = self.status.destinations.get(destination.name)
        if not self.settings.verify_at_pacs or destination.kind != "orthanc" or dest is None:
            return
        if destination.name in self.down:
            return
        sent: dict[str, Sent] = {}
        verified = set(dest.verified)
        for uid in uids:
            file = self.by_uid.get(uid)
            fs = self.status.files[file.file_id] if file else None
            if fs is not None and fs.object_key and uid not in verified:
                sent[uid] = Sent(fs.object_key, fs.md5)
        if not sent:
            return
        try:
            receipt = await verify_orthanc(self.ctx.http, destination, self.ctx.store, sent)
        except PacsUnavailable as exc:
            self._destination_retry(destination, exc)
            return
        except Retryable as exc:  # the archive: the study retries as a whole
            self.problems.append(exc)
            return
        dest.verified.extend(receipt.matched)  # only unverified ones were asked about
        if receipt.mismatched:
            bad = receipt.mismatched
            dest.delivered = [u for u in dest.delivered if u not in bad]
            dest.already_present = [u for u in dest.already_present if u not in bad]
            dest.failed.extend(u for u in bad if u not in dest.failed)
            names = ", ".join(self.by_uid[u].name for u in list(bad)[:10])
            error = PacsRejected(
                f"The PACS {destination.name} does not hold the exact images sent for "
                f"{len(bad)} file(s): {names}. An administrator must check the PACS.",
                "; ".join(f"{u}: {why}" for u, why in bad.items())[:4000],
                code="pacs_integrity",
                destination=destination.name,
            )
            dest.error = error.to_status_error()
            st.set_error(self.status, dest.error)
        await self.writer.touch()

    def _destination_retry(self, destination: Destination, exc: Retryable) -> None:
        dest = st.destination(self.status, destination.name, len(self.study.files))
        exc.destination = destination.name
        dest.state = "retrying"
        dest.error = exc.to_status_error()
        st.set_error(self.status, dest.error)
        self.down.add(destination.name)
        self.problems.append(exc)

    async def deliver_to(self, destination: Destination, files: list[StudyFile]) -> None:
        dest = st.destination(self.status, destination.name, len(self.study.files))
        have = set(dest.delivered) | set(dest.already_present) | set(dest.failed)
        todo = [f for f in files if f.sop_instance_uid not in have]
        if not todo:
            return
        key = destination_key(destination)
        ledger = await self.ctx.state.ledger(key, [f.sop_instance_uid for f in todo])
        send: list[StudyFile] = []
        for f in todo:
            entry = ledger.get(f.sop_instance_uid)
            if entry is None or entry.get("sha256") != f.sha256:
                send.append(f)
            elif entry.get("study_id") == self.study.study_id:
                dest.delivered.append(f.sop_instance_uid)  # confirmed before a crash
            else:
                dest.already_present.append(f.sop_instance_uid)
        if not send:
            return
        st.advance(self.status, StatusState.delivering, self.now())
        dest.state = "delivering"
        dest.attempts += 1
        dest.last_attempt_at = self.now()
        dest.next_attempt_at = None
        await self.writer.touch()
        store = self.ctx.store
        parts = [
            Part(
                f.sop_instance_uid,
                f.size,
                lambda k=self.status.files[f.file_id].object_key: store.iter_bytes(k or ""),
            )
            for f in send
        ]
        try:
            result = await stow(
                self.ctx.http, destination, parts, read_timeout=self.settings.stow_timeout
            )
        except PacsRejected as exc:
            uids = [f.sop_instance_uid for f in send]
            dest.failed.extend(uids)
            dest.error = exc.to_status_error()
            st.set_error(self.status, dest.error)
            return
        confirmed = [f for f in send if f.sop_instance_uid in result.referenced]
        await self.ctx.state.record_delivered(
            key,
            [(f.sop_instance_uid, f.sha256) for f in confirmed],
            self.study.study_id,
            self.study.clinic,
        )
        dest.delivered.extend(f.sop_instance_uid for f in confirmed)
        final_failures = {
            uid: code for uid, code in result.failed.items() if uid not in result.retryable_failures
        }
        if final_failures:
            dest.failed.extend(final_failures)
            names = ", ".join(
                f"{self.by_uid[uid].name} ({failure_text(code)})"
                for uid, code in list(final_failures.items())[:10]
            )
            error = PacsRejected(
                f"The PACS {destination.name} refused {len(final_failures)} image(s): {names}.",
                "; ".join(
                    f"{uid}: FailureReason {code if code is None else hex(code)}"
                    for uid, code in final_failures.items()
                ),
                destination=destination.name,
            )
            dest.error = error.to_status_error()
            st.set_error(self.status, dest.error)
        again = set(result.retryable_failures) | result.unconfirmed
        if again:
            exc = PacsUnavailable(
                f"The PACS {destination.name} did not confirm {len(again)} image(s); "
                "delivery will be retried.",
                f"HTTP {result.status_code}; unconfirmed {sorted(again)[:20]}",
                code="pacs_unconfirmed",
            )
            self._destination_retry(destination, exc)
        elif not dest.failed:  # an earlier batch's refusal or mismatch stays said
            dest.error = None
            st.clear_errors(self.status, destination=destination.name)
        # the receipt for this batch now, while later batches are still on their way
        await self.verify_at(destination, [f.sop_instance_uid for f in confirmed])
