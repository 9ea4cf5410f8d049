"""The integrity receipt at an Orthanc: every delivered file's bytes are checked at the PACS
(its stored MD5 against what was sent); different bytes there are a failure with a reason."""

from __future__ import annotations

import pytest

from tests.integration.bridge.conftest import (
    OrthancClient,
    World,
    build_study,
    ct_series,
    dicom_bytes,
    new_study_uids,
    running_bridge,
    upload_and_seal,
    wait_status,
)

pytestmark = pytest.mark.integration


async def test_every_delivered_file_is_verified_at_the_pacs(world: World, pacs: OrthancClient):
    study_uid, series_uid, _ = new_study_uids()
    study = build_study(ct_series(3, study_uid, series_uid))
    async with running_bridge(world.settings):
        await upload_and_seal(world.clinic_db, study)
        status = await wait_status(world.clinic_db, study.study_id, "delivered")
    dest = status["destinations"]["orthanc"]
    assert sorted(dest["verified"]) == sorted(study.sop_uids)


async def test_different_bytes_at_the_pacs_fail_the_file(world: World, pacs: OrthancClient):
    study_uid, series_uid, _ = new_study_uids()
    study = build_study(ct_series(2, study_uid, series_uid))
    clash = study.files[0]
    # someone stored other bytes under the same SOP Instance UID first (Orthanc keeps them)
    other = dicom_bytes(
        "CT_small.dcm",
        study_uid=study_uid,
        series_uid=series_uid,
        sop_uid=clash.sop_uid,
        instance_number=99,
    )
    assert other != clash.data
    async with pacs.http() as http:
        assert (await http.post("/instances", content=other)).status_code == 200
    async with running_bridge(world.settings):
        await upload_and_seal(world.clinic_db, study)
        status = await wait_status(world.clinic_db, study.study_id, {"partial", "failed"})
    dest = status["destinations"]["orthanc"]
    assert dest["verified"] == [study.files[1].sop_uid]
    assert dest["failed"] == [clash.sop_uid]
    assert status["state"] == "partial"
    (error,) = [e for e in status["errors"] if e["code"] == "pacs_integrity"]
    assert clash.name in error["message"] and "md5" in error["detail"]
    assert status["files"][clash.sha256]["state"] != "delivered"
