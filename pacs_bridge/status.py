"""The ``status:<study_id>`` document: its transitions (pure) and its one writer.

States move forward only — received → assembling → validating → stored → delivering →
delivered | partial | failed — except that a study whose manifest changed after a final
state (a re-exported file added) starts again at received; the history keeps both runs.
Per-file and per-destination detail lives beside the state, and every error carries a
sentence a clinician can act on plus the technical detail.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable

from couch_design_docs.models import (
    FINAL_STATES,
    DestinationStatus,
    FileStatus,
    HistoryEntry,
    Status,
    StatusError,
    StatusState,
    Study,
)
from couch_design_docs.names import status_doc_id
from pacs_bridge.errors import map_couch_errors
from relaypacs.couch import Conflict, Database

RANK = {
    StatusState.received: 0,
    StatusState.assembling: 1,
    StatusState.validating: 2,
    StatusState.stored: 3,
    StatusState.delivering: 4,
    StatusState.delivered: 5,
    StatusState.partial: 5,
    StatusState.failed: 5,
}

MAX_ERRORS = 200


def new_status(study: Study, now: str) -> Status:
    return Status(
        _id=status_doc_id(study.study_id),
        study_id=study.study_id,
        clinic=study.clinic,
        author=study.author,
        state=StatusState.received,
        manifest_rev=study.rev,
        created_at=now,
        updated_at=now,
        history=[HistoryEntry(state=StatusState.received, at=now)],
        files={
            f.file_id: FileStatus(
                name=f.name, state="pending", sha256=f.sha256, sop_instance_uid=f.sop_instance_uid
            )
            for f in study.files
        },
    )


def is_final(status: Status) -> bool:
    return StatusState(status.state) in FINAL_STATES


def advance(status: Status, state: StatusState, now: str) -> bool:
    """Move to ``state`` if it is further along; return True if the state changed.

    A final state may be replaced by another final state (a retry after ``partial`` that
    now delivers everything) but never by an earlier one: use :func:`restart` for that.
    """
    current = StatusState(status.state)
    if current == state:
        return False
    if RANK[state] < RANK[current]:
        return False
    status.state = state
    status.updated_at = now
    status.history.append(HistoryEntry(state=state, at=now))
    return True


def restart(status: Status, study: Study, now: str) -> None:
    """The manifest changed after a final state: take new files in, go back to received."""
    for f in study.files:
        if f.file_id not in status.files:
            status.files[f.file_id] = FileStatus(
                name=f.name, state="pending", sha256=f.sha256, sop_instance_uid=f.sop_instance_uid
            )
    current = {f.file_id for f in study.files}
    for file_id in list(status.files):
        if file_id not in current:
            del status.files[file_id]
    # a replaced file's errors go with it (a re-exported file has a new file_id)
    status.errors = [e for e in status.errors if e.file_id is None or e.file_id in current]
    status.manifest_rev = study.rev
    if is_final(status):
        status.state = StatusState.received
        status.history.append(HistoryEntry(state=StatusState.received, at=now))
    status.updated_at = now


def reset_for_retry(status: Status, now: str) -> bool:
    """An admin's retry of a failed or partial study: destinations that did not get every
    image, and files that failed for a transient reason, are tried again.  Files that are
    invalid stay failed (only a re-export helps).  Returns False if there is nothing to do.
    """
    if StatusState(status.state) not in (StatusState.failed, StatusState.partial):
        return False
    for fs in status.files.values():
        if fs.state == "failed" and fs.error is not None and fs.error.code.startswith("gave_up"):
            fs.state = "pending"
            fs.error = None
    for dest in status.destinations.values():
        if dest.state != "delivered":
            dest.state = "pending"
            dest.failed = []
            dest.error = None
    keep = {fid for fid, fs in status.files.items() if fs.state == "failed"}
    status.errors = [e for e in status.errors if e.file_id in keep and e.destination is None]
    status.state = StatusState.received
    status.history.append(HistoryEntry(state=StatusState.received, at=now))
    status.updated_at = now
    return True


def manifest_changed(status: Status, study: Study) -> bool:
    return set(status.files) != {f.file_id for f in study.files}


def set_error(status: Status, error: StatusError) -> None:
    """Replace the error with the same (code, file, destination), keep the list bounded."""
    key = (error.file_id, error.destination)
    status.errors = [e for e in status.errors if (e.file_id, e.destination) != key]
    status.errors.append(error)
    del status.errors[:-MAX_ERRORS]


def clear_errors(status: Status, *, file_id: str | None = None, destination: str | None = None):
    status.errors = [
        e
        for e in status.errors
        if not (
            (file_id is not None and e.file_id == file_id and e.destination is None)
            or (destination is not None and e.destination == destination and e.file_id is None)
        )
    ]


def destination(status: Status, name: str, total: int) -> DestinationStatus:
    dest = status.destinations.get(name)
    if dest is None:
        dest = status.destinations[name] = DestinationStatus(state="pending", total=total)
    dest.total = total
    return dest


def final_state(status: Status, destination_names: Iterable[str]) -> StatusState:
    """The study's final state from its files and destinations.

    delivered: every file stored and confirmed by every destination; failed: nothing reached
    any destination; partial: anything in between.
    """
    names = list(destination_names)
    files = status.files
    if not files:
        return StatusState.failed
    reached = set()
    complete = True
    for name in names:
        dest = status.destinations.get(name)
        have = set(dest.delivered) | set(dest.already_present) if dest else set()
        reached |= have
        for f in files.values():
            if f.sop_instance_uid not in have:
                complete = False
    if names and complete:
        return StatusState.delivered
    if not reached:
        return StatusState.failed
    return StatusState.partial


class StatusWriter:
    """The only writer of one study's status document.

    ``flush`` writes the in-memory document with the revision it last wrote; on a conflict
    (a write of an earlier, killed run) it falls back to a read-modify-write — the bridge is
    the single writer, so the newest in-memory view is the truth.  Flushes are serialized.
    ``touch`` flushes at most every ``interval`` seconds (stretched to ten times the last
    flush's duration, so a study of thousands of files does not spend its time rewriting a
    large status document); a touch during a flush just leaves the document dirty.
    """

    def __init__(self, db: Database, status: Status, *, interval: float = 1.0) -> None:
        self.db = db
        self.status = status
        self.interval = interval
        self._last = 0.0
        self._cost = 0.0
        self._dirty = False
        self._lock = asyncio.Lock()

    @classmethod
    async def load(cls, db: Database, study: Study, now: str, **kwargs: float) -> StatusWriter:
        with map_couch_errors():
            doc = await db.get_or_none(status_doc_id(study.study_id))
        status = Status.model_validate(doc) if doc else new_status(study, now)
        return cls(db, status, **kwargs)

    async def flush(self) -> None:
        async with self._lock:
            self._dirty = False
            started = time.monotonic()
            body = self.status.to_doc()
            body.pop("_rev", None)
            with map_couch_errors():
                try:
                    if self.status.rev is None:
                        raise Conflict(409, "conflict", "no known revision")
                    rev = await self.db.put({**body, "_rev": self.status.rev})
                except Conflict:
                    written = await self.db.update(self.status.id, lambda current: dict(body))
                    rev = written.get("_rev") if written else None
            self.status.rev = rev
            self._last = time.monotonic()
            self._cost = self._last - started

    async def touch(self) -> None:
        self._dirty = True
        if self._lock.locked():
            return
        if time.monotonic() - self._last >= max(self.interval, 10 * self._cost):
            await self.flush()
