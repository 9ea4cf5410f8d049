"""Happy paths: a study goes from chunks in the clinic database to the PACS, byte for byte."""

from __future__ import annotations

import hashlib

import pytest

from couch_design_docs import names as ids
from couch_design_docs.timestamps import now_timestamp
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


async def test_author_gets_a_web_push_once(world: World, pacs: OrthancClient):
    from couch_design_docs.models import PushSubscription
    from couch_design_docs.names import push_subscription_doc_id
    from relaypacs.webpush import VapidKeys
    from tests.push_service import PushService

    service = PushService()
    try:
        keys = VapidKeys.generate()
        service.expected_public_key = keys.public_key
        phone = service.subscriber("phone")
        await world.couch.db(world.names.push).put(
            PushSubscription(
                _id=push_subscription_doc_id("amina", phone.endpoint),
                user="amina",
                endpoint=phone.endpoint,
                keys=phone.keys,
                device="test",
                created_at="2026-11-28T12:00:00Z",
            ).to_doc()
        )
        settings = world.with_settings(
            vapid_private_key=keys.private_key, vapid_subject="mailto:ops@relaypacs.test"
        )
        study_uid, series_uid, _ = new_study_uids()
        study = build_study(ct_series(1, study_uid, series_uid))
        async with running_bridge(settings):
            await upload_and_seal(world.clinic_db, study)
            await wait_status(world.clinic_db, study.study_id, FINAL)
            await wait_for(lambda: _delivered(service), 10)
        # a replay (lost checkpoint) does not ring again
        checkpoint = await world.bridge_db.get(f"checkpoint:{world.clinic_db.name}")
        await world.bridge_db.delete(checkpoint["_id"], checkpoint["_rev"])
        before = now_timestamp()
        async with running_bridge(settings):
            await wait_for(lambda: _job_done(world, study.study_id, before), 10)
        assert service.rejected == []
        assert len(service.deliveries) == 1
        payload = service.deliveries[0].payload
        assert payload["title"] == "Study delivered to Radiology"
        assert payload["tag"] == study.study_id
    finally:
        service.close()


async def _delivered(service) -> bool:
    return bool(service.deliveries)


async def _job_done(world: World, study_id: str, after: str) -> bool:
    job = await world.bridge_db.get(f"job:north:{study_id}")
    return job["state"] == "done" and job["updated_at"] > after
