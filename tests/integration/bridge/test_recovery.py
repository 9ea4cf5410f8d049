"""Transient failures are retried until they heal; repeats never make a second copy."""

from __future__ import annotations

import hashlib

import pytest

from couch_design_docs import names as ids
from pacs_bridge.store import S3Store, object_key
from relaypacs.harness.process import free_port
from relaypacs.harness.servers import S3Server
from tests.integration.bridge.conftest import (
    FINAL,
    OrthancClient,
    World,
    build_study,
    ct_series,
    new_study_uids,
    running_bridge,
    seal,
    upload_and_seal,
    wait_for,
    wait_status,
)

pytestmark = pytest.mark.integration


async def test_pacs_down_during_delivery_then_back(world: World, pacs: OrthancClient):
    study_uid, series_uid, _ = new_study_uids()
    study = build_study(ct_series(25, study_uid, series_uid), chunk_size=64 * 1024)
    world.orthanc.stop()
    try:
        async with running_bridge(world.settings):
            await upload_and_seal(world.clinic_db, study)

            async def retrying():
                doc = await world.clinic_db.get_or_none(ids.status_doc_id(study.study_id))
                dest = (doc or {}).get("destinations", {}).get("orthanc", {})
                return doc if dest.get("state") == "retrying" and dest["attempts"] >= 2 else None

            status = await wait_for(retrying, 30)
            assert status["state"] == "delivering"
            dest = status["destinations"]["orthanc"]
            assert dest["error"]["code"] == "pacs_unavailable"
            assert dest["error"]["retryable"] is True
            assert "cannot be reached" in dest["error"]["message"]
            job = await world.bridge_db.get(f"job:north:{study.study_id}")
            assert job["state"] == "retrying" and job["next_attempt_at"]

            world.orthanc.restart()
            status = await wait_status(world.clinic_db, study.study_id, FINAL, within=30)
    finally:
        if not world.orthanc.running():
            world.orthanc.restart()
    assert status["state"] == "delivered"
    assert "error" not in status["destinations"]["orthanc"]
    assert status["errors"] == []
    assert len(await pacs.instance_ids(study_uid)) == 25


async def test_object_store_unreachable_then_retried(world: World, pacs: OrthancClient, tmp_path):
    server = S3Server(workdir=tmp_path / "late-s3", port=free_port())
    settings = world.with_settings(
        object_store="s3",
        s3_endpoint_url=server.url,
        s3_bucket="relaypacs-late",
        s3_access_key=server.access_key,
        s3_secret_key=server.secret_key,
    )
    study_uid, series_uid, _ = new_study_uids()
    files = ct_series(3, study_uid, series_uid)
    study = build_study(files, chunk_size=64 * 1024)
    try:
        async with running_bridge(settings):
            await upload_and_seal(world.clinic_db, study)

            async def store_down():
                doc = await world.clinic_db.get_or_none(ids.status_doc_id(study.study_id))
                job = await world.bridge_db.get_or_none(f"job:north:{study.study_id}")
                codes = {e["code"] for e in (doc or {}).get("errors", [])}
                if "store_unavailable" in codes and job and job["attempts"] >= 2:
                    return doc
                return None

            status = await wait_for(store_down, 40)
            assert status["state"] not in FINAL
            (error, *_) = [e for e in status["errors"] if e["code"] == "store_unavailable"]
            assert error["retryable"] is True
            server.start()
            status = await wait_status(world.clinic_db, study.study_id, FINAL, within=30)
        assert status["state"] == "delivered"
        store = S3Store(
            "relaypacs-late",
            endpoint_url=server.url,
            access_key=server.access_key,
            secret_key=server.secret_key,
        )
        for file in files:
            key = object_key(study_uid, file.series_uid, file.sop_uid)
            head = await store.describe(key)
            assert head["ServerSideEncryption"] == "AES256"
            assert head["Metadata"]["sha256"] == file.sha256
            assert hashlib.sha256(await store.read_all(key)).hexdigest() == file.sha256
    finally:
        server.stop()


async def test_same_study_sealed_twice_is_not_sent_twice(world: World, pacs: OrthancClient):
    study_uid, series_uid, _ = new_study_uids()
    files = ct_series(3, study_uid, series_uid)
    first = build_study(files, chunk_size=64 * 1024)
    async with running_bridge(world.settings):
        await upload_and_seal(world.clinic_db, first)
        done = await wait_status(world.clinic_db, first.study_id, FINAL)
        assert done["state"] == "delivered"

        # the same manifest sealed again (a new revision): nothing happens
        first.manifest["notes"] = "sealed again"
        await seal(world.clinic_db, first)

        # the same files sealed again as a new study: delivered, but already in the PACS
        second = build_study(files, chunk_size=64 * 1024)
        await upload_and_seal(world.clinic_db, second)
        again = await wait_status(world.clinic_db, second.study_id, FINAL)

        async def job_done():
            job = await world.bridge_db.get_or_none(f"job:north:{first.study_id}")
            return job and job["state"] == "done" and job["updated_at"] > done["updated_at"]

        await wait_for(job_done, 10)
    assert again["state"] == "delivered"
    dest = again["destinations"]["orthanc"]
    assert sorted(dest["already_present"]) == sorted(f.sop_uid for f in files)
    assert dest["delivered"] == []
    assert len(await pacs.instance_ids(study_uid)) == 3
    unchanged = await world.clinic_db.get(ids.status_doc_id(first.study_id))
    assert unchanged["history"] == done["history"]
    assert unchanged["state"] == "delivered"


async def test_gives_up_after_the_configured_time(world: World, pacs: OrthancClient):
    """A PACS that never comes back: retried with backoff, then failed with the reason."""
    from relaypacs.harness.process import free_port
    from tests import factories as f
    from tests.integration.bridge.conftest import destination

    clinics = world.couch.db(world.names.clinics)
    dead = destination(world.orthanc, stow_url=f"http://127.0.0.1:{free_port()}/dicom-web")
    await clinics.update("clinic:north", lambda current: {**f.clinic("north", destinations=[dead])})
    settings = world.with_settings(give_up_after=2.0, retry_base=0.2, retry_max=0.5)
    study_uid, series_uid, _ = new_study_uids()
    study = build_study(ct_series(2, study_uid, series_uid))
    async with running_bridge(settings):
        await upload_and_seal(world.clinic_db, study)
        status = await wait_status(world.clinic_db, study.study_id, FINAL, within=30)
    assert status["state"] == "failed"
    dest = status["destinations"]["orthanc"]
    assert dest["state"] == "failed"
    assert dest["attempts"] >= 3
    assert dest["error"]["message"].startswith("Gave up delivering to orthanc")
    assert dest["error"]["retryable"] is False
    job = await world.bridge_db.get(f"job:north:{study.study_id}")
    assert job["state"] == "done"
    # nothing was delivered, so the chunks stay for a later retry
    assert await world.clinic_db.ids_with_prefix(f"chunk:{study.study_id}:")


async def test_retries_survive_a_restart(world: World, pacs: OrthancClient):
    """Retry schedules live in the bridge database: a new process picks them up."""
    study_uid, series_uid, _ = new_study_uids()
    study = build_study(ct_series(3, study_uid, series_uid))
    world.orthanc.stop()
    try:
        async with running_bridge(world.settings):
            await upload_and_seal(world.clinic_db, study)

            async def retrying():
                job = await world.bridge_db.get_or_none(f"job:north:{study.study_id}")
                return job if job and job["state"] == "retrying" else None

            job = await wait_for(retrying, 30)
            assert job["next_attempt_at"] and job["attempts"] >= 1
        world.orthanc.restart()
        async with running_bridge(world.settings):
            status = await wait_status(world.clinic_db, study.study_id, FINAL, within=30)
    finally:
        if not world.orthanc.running():
            world.orthanc.restart()
    assert status["state"] == "delivered"
    assert len(await pacs.instance_ids(study_uid)) == 3


async def test_one_destination_down_gives_partial_with_detail(world: World, pacs: OrthancClient):
    from relaypacs.harness.process import free_port
    from tests import factories as f
    from tests.integration.bridge.conftest import destination

    dead = destination(
        world.orthanc, name="backup", stow_url=f"http://127.0.0.1:{free_port()}/dicom-web"
    )
    await world.couch.db(world.names.clinics).update(
        "clinic:north",
        lambda current: f.clinic("north", destinations=[destination(world.orthanc), dead]),
    )
    settings = world.with_settings(give_up_after=2.0, retry_base=0.2, retry_max=0.5)
    study_uid, series_uid, _ = new_study_uids()
    study = build_study(ct_series(2, study_uid, series_uid))
    async with running_bridge(settings):
        await upload_and_seal(world.clinic_db, study)
        status = await wait_status(world.clinic_db, study.study_id, FINAL, within=30)
    assert status["state"] == "partial"
    assert status["destinations"]["orthanc"]["state"] == "delivered"
    assert status["destinations"]["backup"]["state"] == "failed"
    assert status["destinations"]["backup"]["error"]["destination"] == "backup"
    # the files reached one PACS, not all: their chunks stay
    assert all(fs["state"] == "stored" for fs in status["files"].values())
    assert len(await pacs.instance_ids(study_uid)) == 2
