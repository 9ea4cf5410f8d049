"""The changes feeds: new clinics without a restart, durable checkpoints, harmless replays."""

from __future__ import annotations

import pytest

from couch_design_docs import names as ids
from couch_design_docs.setup import ensure_clinic_database
from tests import factories as f
from tests.integration.bridge.conftest import (
    FINAL,
    OrthancClient,
    World,
    build_study,
    ct_series,
    destination,
    new_study_uids,
    running_bridge,
    upload_and_seal,
    wait_for,
    wait_status,
)

pytestmark = pytest.mark.integration


async def test_new_clinic_is_followed_without_restart(world: World, pacs: OrthancClient):
    async with running_bridge(world.settings):
        await ensure_clinic_database(world.couch, world.names, "south")
        await world.couch.db(world.names.clinics).put(
            f.clinic("south", name="South Clinic", destinations=[destination(world.orthanc)])
        )
        south = world.couch.db(world.names.clinic("south"))
        study_uid, series_uid, _ = new_study_uids()
        study = build_study(ct_series(2, study_uid, series_uid), clinic="south")
        await upload_and_seal(south, study)
        status = await wait_status(south, study.study_id, FINAL)
    assert status["state"] == "delivered"
    entry = await world.desk.get(ids.worklist_doc_id("south", study.study_id))
    assert entry["clinic_name"] == "South Clinic"


async def test_checkpoint_moves_and_restart_does_not_redo_work(world: World, pacs: OrthancClient):
    study_uid, series_uid, _ = new_study_uids()
    study = build_study(ct_series(2, study_uid, series_uid))
    async with running_bridge(world.settings):
        await upload_and_seal(world.clinic_db, study)
        first = await wait_status(world.clinic_db, study.study_id, FINAL)

        async def checkpoint_at_end():
            info = await world.clinic_db.info()
            doc = await world.bridge_db.get_or_none(f"checkpoint:{world.clinic_db.name}")
            return doc if doc and str(doc["seq"]) == str(info["update_seq"]) else None

        await wait_for(checkpoint_at_end, 10)
    assert first["state"] == "delivered"

    # a restart resumes from the checkpoint; nothing is redone, nothing is duplicated
    async with running_bridge(world.settings):
        other = build_study(ct_series(1, *new_study_uids()[:2]))
        await upload_and_seal(world.clinic_db, other)
        await wait_status(world.clinic_db, other.study_id, FINAL)
    again = await world.clinic_db.get(ids.status_doc_id(study.study_id))
    assert again["_rev"] == first["_rev"] or again["history"] == first["history"]
    assert len(await pacs.instance_ids(study_uid)) == 2


async def test_checkpoint_lost_replay_is_harmless(world: World, pacs: OrthancClient):
    """Without a checkpoint every change is seen again: the result is the same."""
    study_uid, series_uid, _ = new_study_uids()
    study = build_study(ct_series(2, study_uid, series_uid))
    async with running_bridge(world.settings):
        await upload_and_seal(world.clinic_db, study)
        first = await wait_status(world.clinic_db, study.study_id, FINAL)
    checkpoint = await world.bridge_db.get(f"checkpoint:{world.clinic_db.name}")
    await world.bridge_db.delete(checkpoint["_id"], checkpoint["_rev"])
    async with running_bridge(world.settings):

        async def job_redone():
            job = await world.bridge_db.get(f"job:north:{study.study_id}")
            return job["state"] == "done" and job["updated_at"] > first["updated_at"]

        await wait_for(job_redone, 10)
    again = await world.clinic_db.get(ids.status_doc_id(study.study_id))
    assert again["history"] == first["history"]
    assert len(await pacs.instance_ids(study_uid)) == 2
    notes = await world.clinic_db.ids_with_prefix("notification:amina:")
    assert len(notes) == 1


async def test_drafts_are_ignored(world: World, pacs: OrthancClient):
    study_uid, series_uid, _ = new_study_uids()
    study = build_study(ct_series(1, study_uid, series_uid))
    study.manifest["state"] = "draft"
    study.manifest.pop("sealed_at")
    async with running_bridge(world.settings):
        await upload_and_seal(world.clinic_db, study)

        async def checkpoint_at_end():
            info = await world.clinic_db.info()
            doc = await world.bridge_db.get_or_none(f"checkpoint:{world.clinic_db.name}")
            return doc and str(doc["seq"]) == str(info["update_seq"])

        await wait_for(checkpoint_at_end, 10)
    assert await world.clinic_db.get_or_none(ids.status_doc_id(study.study_id)) is None
    assert await world.bridge_db.get_or_none(f"job:north:{study.study_id}") is None
