"""An unexpected error (a bug, an unforeseen answer) that outlasts the give-up time ends
the study ``failed`` with a reason a person can read — never a job marked done silently."""

from __future__ import annotations

import pytest

from couch_design_docs.names import notification_doc_id
from pacs_bridge import pipeline
from pacs_bridge.state import job_id
from tests.integration.bridge.conftest import (
    CLINIC,
    World,
    build_study,
    ct_series,
    new_study_uids,
    running_bridge,
    upload_and_seal,
    wait_for,
    wait_status,
)

pytestmark = pytest.mark.integration


async def test_persistent_unexpected_error_ends_failed_with_a_reason(
    world: World, monkeypatch: pytest.MonkeyPatch
):
    async def broken(self: pipeline.StudyRun) -> pipeline.Outcome:
        raise RuntimeError("unforeseen answer")

    monkeypatch.setattr(pipeline.StudyRun, "execute", broken)
    settings = world.with_settings(give_up_after=1.0, retry_base=0.2, retry_max=0.4)
    study_uid, series_uid, _ = new_study_uids()
    study = build_study(ct_series(1, study_uid, series_uid))
    async with running_bridge(settings):
        await upload_and_seal(world.clinic_db, study)
        status = await wait_status(world.clinic_db, study.study_id, "failed", within=20)

        async def done():
            job = await world.bridge_db.get_or_none(job_id(CLINIC, study.study_id))
            return job if job and job["state"] == "done" else None

        job = await wait_for(done, within=10)
    (error,) = [e for e in status["errors"] if e["code"] == "internal_error"]
    assert "gave up" in error["message"] and "RuntimeError" in error["detail"]
    assert job["result"] == "failed" and job["result_code"] == "internal_error"
    note = await world.clinic_db.get(notification_doc_id("amina", f"failed-{study.study_id}-1"))
    assert note["kind"] == "study_failed" and note["url"] == f"/studies/{study.study_id}"
