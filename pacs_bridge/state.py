"""The bridge's own durable state, in the bridge database (never replicated to clients).

- ``checkpoint:<db>`` — the last changes-feed sequence of a clinic database whose work is
  recorded (the CouchDB replication protocol keeps its checkpoints the same way);
- ``job:<clinic>:<study_id>`` — one per study the bridge owes work on: open until the study
  reaches a final status, with its retry schedule, so retries survive restarts;
- ``delivered:<destination key>:<SOP instance UID>`` — the ledger of instances a PACS has
  confirmed, so the same instance sealed again in another study is not sent twice.

Every write is a conflict-retrying read-modify-write (:meth:`Database.update`).
"""

from __future__ import annotations

import contextlib
import hashlib
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from couch_design_docs.models import Destination
from couch_design_docs.timestamps import now_timestamp
from pacs_bridge.errors import CouchDown, map_couch_errors
from relaypacs.couch import Conflict, Database, NotFound
from relaypacs.types import Seq

JobState = Literal["open", "waiting", "retrying", "done"]


def job_id(clinic: str, study_id: str) -> str:
    return f"job:{clinic}:{study_id}"


def checkpoint_id(db_name: str) -> str:
    return f"checkpoint:{db_name}"


def destination_key(destination: Destination) -> str:
    """A stable key for a PACS: the same STOW URL is the same archive, whatever its name."""
    return hashlib.sha256(destination.stow_url.rstrip("/").encode()).hexdigest()[:16]


def ledger_id(dest_key: str, sop_uid: str) -> str:
    return f"delivered:{dest_key}:{sop_uid}"


class Job(BaseModel):
    model_config = ConfigDict(extra="ignore")

    clinic: str
    study_id: str
    state: JobState = "open"
    attempts: int = 0
    created_at: str
    updated_at: str
    problem_since: str | None = None  # first retryable failure or wait of the current streak
    next_attempt_at: str | None = None
    last_error: str | None = None
    waiting_for_chunks: bool = False
    retry_requested: bool = False  # an admin asked for a re-run of a failed/partial study
    result: str | None = None  # the final status state of the last finished run
    result_code: str | None = None
    result_message: str | None = None
    result_at: str | None = None

    @property
    def id(self) -> str:
        return job_id(self.clinic, self.study_id)


class BridgeState:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- jobs ------------------------------------------------------------------------------

    async def open_job(self, clinic: str, study_id: str, *, retry: bool = False) -> Job:
        """Record that a study needs work (a sealed manifest arrived or changed, or an
        admin asked for a retry)."""
        now = now_timestamp()

        def change(current: dict[str, Any] | None) -> dict[str, Any] | None:
            if current is None:
                return {
                    "type": "job",
                    **Job(
                        clinic=clinic,
                        study_id=study_id,
                        created_at=now,
                        updated_at=now,
                        retry_requested=retry,
                    ).model_dump(),
                }
            if current.get("state") == "open" and (not retry or current.get("retry_requested")):
                return None
            new = {**current, "state": "open", "updated_at": now, "next_attempt_at": None}
            if retry:
                new.update(retry_requested=True, problem_since=None, attempts=0)
            return new

        with map_couch_errors():
            doc = await self.db.update(job_id(clinic, study_id), change)
        assert doc is not None
        return Job.model_validate(doc)

    async def save_job(self, job: Job) -> None:
        body = {"type": "job", **job.model_dump()}
        with map_couch_errors():
            await self.db.update(job.id, lambda current: {**(current or {}), **body})

    async def get_job(self, clinic: str, study_id: str) -> Job | None:
        with map_couch_errors():
            doc = await self.db.get_or_none(job_id(clinic, study_id))
        return None if doc is None else Job.model_validate(doc)

    async def unfinished_jobs(self) -> list[Job]:
        with map_couch_errors():
            rows = await self.db.ids_with_prefix("job:", include_docs=True)
        jobs = [Job.model_validate(row["doc"]) for row in rows if row.get("doc")]
        return [job for job in jobs if job.state != "done"]

    # -- checkpoints -----------------------------------------------------------------------

    async def checkpoint(self, db_name: str) -> Seq:
        with map_couch_errors():
            doc = await self.db.get_or_none(checkpoint_id(db_name))
        return doc["seq"] if doc else 0

    async def save_checkpoint(self, db_name: str, seq: Seq) -> None:
        now = now_timestamp()
        with map_couch_errors():
            await self.db.update(
                checkpoint_id(db_name),
                lambda current: {
                    **(current or {}),
                    "type": "checkpoint",
                    "db": db_name,
                    "seq": seq,
                    "at": now,
                },
            )

    # -- delivery ledger -------------------------------------------------------------------

    async def ledger(self, dest_key: str, uids: list[str]) -> dict[str, dict[str, Any]]:
        if not uids:
            return {}
        with map_couch_errors():
            result = await self.db.all_docs(
                keys=[ledger_id(dest_key, uid) for uid in uids], include_docs=True
            )
        found: dict[str, dict[str, Any]] = {}
        for row in result.get("rows", []):
            doc = row.get("doc")
            if doc and not doc.get("_deleted"):
                found[doc["sop_instance_uid"]] = doc
        return found

    async def record_delivered(
        self, dest_key: str, entries: list[tuple[str, str]], study_id: str, clinic: str
    ) -> None:
        """Ledger entries (uid, sha256); an entry that exists already is left as it is."""
        if not entries:
            return
        now = now_timestamp()
        docs = [
            {
                "_id": ledger_id(dest_key, uid),
                "type": "delivered",
                "destination": dest_key,
                "sop_instance_uid": uid,
                "sha256": sha,
                "study_id": study_id,
                "clinic": clinic,
                "at": now,
            }
            for uid, sha in entries
        ]
        with map_couch_errors():
            results = await self.db.bulk_docs(docs)
        refused = [r for r in results if r.get("error") not in (None, "conflict")]
        if refused:
            raise CouchDown(
                "The bridge could not record a delivery; it will be tried again.",
                f"ledger write refused: {refused[:3]}",
            )

    # -- retry requests (written by the gateway's admin API) -------------------------------

    async def retry_requests(self) -> list[dict[str, Any]]:
        with map_couch_errors():
            rows = await self.db.ids_with_prefix("retry:", include_docs=True)
        return [row["doc"] for row in rows if row.get("doc")]

    async def drop_retry_request(self, doc: dict[str, Any]) -> None:
        with map_couch_errors(), contextlib.suppress(NotFound, Conflict):
            await self.db.delete(doc["_id"], doc["_rev"])
