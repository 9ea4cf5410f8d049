"""Bad files end with the right status and a reason a clinician can act on."""

from __future__ import annotations

import hashlib

import pytest

from couch_design_docs import names as ids
from tests.integration.bridge.conftest import (
    FINAL,
    FileSpec,
    OrthancClient,
    World,
    build_study,
    ct_series,
    dicom_bytes,
    new_study_uids,
    running_bridge,
    seal,
    spec,
    upload_and_seal,
    upload_chunks,
    wait_for,
    wait_status,
)

pytestmark = pytest.mark.integration


async def test_each_bad_file_fails_with_its_reason_and_the_rest_is_delivered(
    world: World, pacs: OrthancClient
):
    study_uid, series_uid, _ = new_study_uids()
    good = ct_series(2, study_uid, series_uid)
    ct = dicom_bytes("CT_small.dcm", study_uid=study_uid, series_uid=series_uid)
    ct_spec = spec("IM0017.dcm", ct[: len(ct) // 2], uids=spec("x", ct).uid_triple())
    other = spec("x", dicom_bytes("CT_small.dcm", study_uid=study_uid, series_uid=series_uid))
    not_dicom = FileSpec(
        "notes.dcm", b"this is a text file, not an image\n" * 50, *other.uid_triple()
    )
    mismatch_src = spec(
        "IM0030.dcm", dicom_bytes("CT_small.dcm", study_uid=study_uid, series_uid=series_uid)
    )
    mismatch = FileSpec(
        "IM0030.dcm", mismatch_src.data, "1.2.826.0.1.3680043.8.498.999", series_uid, study_uid
    )
    lossy = spec(
        "IM0040.dcm", dicom_bytes("JPEG-lossy.dcm", study_uid=study_uid, series_uid=series_uid)
    )
    study = build_study([*good, ct_spec, not_dicom, mismatch, lossy], chunk_size=64 * 1024)

    # a file whose bytes do not match the manifest's sha256 (chunk docs are self-consistent)
    damaged = spec(
        "IM0050.dcm", dicom_bytes("CT_small.dcm", study_uid=study_uid, series_uid=series_uid)
    )
    extra = build_study([damaged], study_id=study.study_id, chunk_size=64 * 1024)
    flipped = bytearray(damaged.data)
    flipped[-10] ^= 0xFF
    tampered = build_study(
        [FileSpec("IM0050.dcm", bytes(flipped), *damaged.uid_triple())],
        study_id=study.study_id,
        chunk_size=64 * 1024,
    )
    for chunk in tampered.chunks:  # chunks of the flipped bytes filed under the true file id
        chunk["_id"] = chunk["_id"].replace(
            hashlib.sha256(bytes(flipped)).hexdigest(), damaged.sha256
        )
        chunk["file_id"] = damaged.sha256
    study.manifest["files"].append(extra.manifest["files"][0])
    study.chunks.extend(tampered.chunks)

    async with running_bridge(world.settings):
        await upload_and_seal(world.clinic_db, study)
        status = await wait_status(world.clinic_db, study.study_id, FINAL)

    assert status["state"] == "partial"
    by_name = {fs["name"]: fs for fs in status["files"].values()}
    assert by_name["IM0001.dcm"]["state"] == "delivered"
    assert by_name["IM0002.dcm"]["state"] == "delivered"
    expected = {
        "IM0017.dcm": ("truncated", "cut short"),
        "notes.dcm": ("not_dicom", "not a DICOM file"),
        "IM0030.dcm": ("uid_mismatch", "not the image"),
        "IM0040.dcm": ("undecodable_pixels", "cannot be decoded"),
        "IM0050.dcm": ("sha256_mismatch", "does not match"),
    }
    for name, (code, words) in expected.items():
        fs = by_name[name]
        assert fs["state"] == "failed", (name, fs)
        assert fs["error"]["code"] == code, (name, fs["error"])
        assert words in fs["error"]["message"], (name, fs["error"])
        assert name in fs["error"]["message"]
        assert fs["error"]["detail"]
    assert "IM0017.dcm is cut short — export it again" in by_name["IM0017.dcm"]["error"]["message"]
    assert {e["file_name"] for e in status["errors"]} >= set(expected)
    # only the two good instances reached the PACS
    assert len(await pacs.instance_ids(study_uid)) == 2
    entry = await world.desk.get(ids.worklist_doc_id("north", study.study_id))
    assert entry["state"] == "partial"
    notes = await world.clinic_db.ids_with_prefix("notification:amina:partial-")
    assert len(notes) == 1


async def test_a_study_of_only_non_dicom_fails(world: World, pacs: OrthancClient):
    study_uid, series_uid, sop = new_study_uids()
    study = build_study([FileSpec("readme.txt", b"hello " * 100, sop, series_uid, study_uid)])
    async with running_bridge(world.settings):
        await upload_and_seal(world.clinic_db, study)
        status = await wait_status(world.clinic_db, study.study_id, FINAL)
    assert status["state"] == "failed"
    assert status["errors"][0]["code"] == "not_dicom"
    assert "readme.txt is not a DICOM file" in status["errors"][0]["message"]
    notes = await world.clinic_db.ids_with_prefix("notification:amina:failed-")
    assert len(notes) == 1
    note = await world.clinic_db.get(notes[0]["id"])
    assert note["kind"] == "study_failed"
    assert "not a DICOM file" in note["body"]
    # a failed study keeps its chunks (nothing was delivered)
    assert await world.clinic_db.ids_with_prefix(f"chunk:{study.study_id}:")


async def test_a_damaged_chunk_fails_its_file(world: World, pacs: OrthancClient):
    study_uid, series_uid, _ = new_study_uids()
    study = build_study(ct_series(1, study_uid, series_uid), chunk_size=64 * 1024)
    study.chunks[0]["sha256"] = "0" * 64
    async with running_bridge(world.settings):
        await upload_and_seal(world.clinic_db, study)
        status = await wait_status(world.clinic_db, study.study_id, FINAL)
    assert status["state"] == "failed"
    (fs,) = status["files"].values()
    assert fs["error"]["code"] == "chunk_sha256_mismatch"
    assert "damaged on the way" in fs["error"]["message"]


async def test_missing_chunk_waits_then_completes(world: World, pacs: OrthancClient):
    """The manifest replicates before its last chunk: the study waits, then goes through."""
    study_uid, series_uid, _ = new_study_uids()
    files = ct_series(2, study_uid, series_uid)
    study = build_study(files, chunk_size=64 * 1024)
    late = study.chunks[-1]
    async with running_bridge(world.settings):
        await upload_chunks(world.clinic_db, study.chunks[:-1])
        await seal(world.clinic_db, study)

        async def waiting():
            doc = await world.clinic_db.get_or_none(ids.status_doc_id(study.study_id))
            codes = {e["code"] for e in (doc or {}).get("errors", [])}
            job = await world.bridge_db.get_or_none(f"job:north:{study.study_id}")
            return doc if "chunks_missing" in codes and job["state"] == "waiting" else None

        status = await wait_for(waiting, 20)
        assert status["state"] not in FINAL
        (error,) = [e for e in status["errors"] if e["code"] == "chunks_missing"]
        assert error["retryable"] is True
        assert "Waiting for the rest of file IM0002.dcm" in error["message"]
        job = await world.bridge_db.get(f"job:north:{study.study_id}")
        assert job["state"] == "waiting"

        await upload_chunks(world.clinic_db, [late])
        status = await wait_status(world.clinic_db, study.study_id, FINAL)
    assert status["state"] == "delivered"
    assert status["errors"] == []
    assert len(await pacs.instance_ids(study_uid)) == 2


async def test_missing_chunk_that_never_arrives_fails_the_file(world: World, pacs: OrthancClient):
    study_uid, series_uid, _ = new_study_uids()
    files = ct_series(2, study_uid, series_uid)
    study = build_study(files, chunk_size=64 * 1024)
    settings = world.with_settings(chunk_wait_timeout=2.0)
    async with running_bridge(settings):
        await upload_chunks(world.clinic_db, study.chunks[:-1])
        await seal(world.clinic_db, study)
        status = await wait_status(world.clinic_db, study.study_id, FINAL, within=30)
    assert status["state"] == "partial"
    by_name = {fs["name"]: fs for fs in status["files"].values()}
    assert by_name["IM0001.dcm"]["state"] == "delivered"
    assert by_name["IM0002.dcm"]["state"] == "failed"
    assert "never arrived" in by_name["IM0002.dcm"]["error"]["message"]
