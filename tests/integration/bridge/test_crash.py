"""kill -9 of the bridge process at random moments, several times, then let it finish:
every instance is in the PACS exactly once, byte for byte, and the status is right."""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
import random

import numpy as np
import pydicom
import pytest
from pydicom.uid import generate_uid

from couch_design_docs import names as ids
from tests.integration.bridge.conftest import (
    FINAL,
    UID_ROOT,
    BridgeProcess,
    OrthancClient,
    World,
    build_study,
    new_study_uids,
    seal,
    spec,
    upload_chunks,
    wait_for,
    wait_status,
)

pytestmark = pytest.mark.integration


def bigger_ct(study_uid: str, series_uid: str, number: int, side: int = 256) -> bytes:
    """CT_small with a ``side`` x ``side`` 16-bit image (about 2 x side² bytes)."""
    ds = pydicom.dcmread(pydicom.data.get_testdata_file("CT_small.dcm"))
    ds.Rows = ds.Columns = side
    rng = np.random.default_rng(number)
    ds.PixelData = rng.integers(0, 2000, (side, side), dtype=np.uint16).tobytes()
    ds.StudyInstanceUID = study_uid
    ds.SeriesInstanceUID = series_uid
    ds.SOPInstanceUID = generate_uid(prefix=UID_ROOT)
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.InstanceNumber = number
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


async def test_kill_9_at_random_points_then_restart(world: World, pacs: OrthancClient, tmp_path):
    seed = int(os.environ.get("BRIDGE_CRASH_SEED", random.randrange(1_000_000)))
    rng = random.Random(seed)
    studies = []
    for _ in range(2):
        study_uid, series_a, series_b = new_study_uids()
        files = [
            spec(f"IM{i + 1:04d}.dcm", bigger_ct(study_uid, series_a if i % 2 else series_b, i))
            for i in range(30)
        ]
        studies.append(build_study(files, chunk_size=64 * 1024))
    settings = world.with_settings(stow_batch_size=7, retry_base=0.2, retry_max=0.5)
    bridge = BridgeProcess(workdir=tmp_path / "bridge-proc", settings=settings)
    kills = []
    try:
        bridge.start()
        # the first study replicates while the bridge is being killed
        uploading = asyncio.create_task(_upload(world, studies))
        for _ in range(5):
            delay = rng.uniform(0.05, 1.2)
            await asyncio.sleep(delay)
            bridge.kill()
            kills.append(round(delay, 2))
            await asyncio.sleep(0.05)
            bridge.start()
        await uploading
        for study in studies:
            status = await wait_status(world.clinic_db, study.study_id, FINAL, within=60)
            assert status["state"] == "delivered", (seed, kills, status["errors"])
    finally:
        bridge.stop()

    for study in studies:
        held = await pacs.files_by_sop(study.study_uid)
        assert len(await pacs.instance_ids(study.study_uid)) == len(study.files), (seed, kills)
        assert {uid: hashlib.sha256(b).hexdigest() for uid, b in held.items()} == {
            f.sop_uid: f.sha256 for f in study.files
        }
        status = await world.clinic_db.get(ids.status_doc_id(study.study_id))
        states = [h["state"] for h in status["history"]]
        assert states[0] == "received" and states.count("delivered") == 1, states
        assert states == sorted(states, key=STATE_ORDER.index), states
        dest = status["destinations"]["orthanc"]
        assert sorted(dest["delivered"]) == sorted(study.sop_uids)
        assert status["errors"] == []
        notes = await world.clinic_db.ids_with_prefix(
            f"notification:amina:delivered-{study.study_id}"
        )
        assert len(notes) == 1
        entry = await world.desk.get(ids.worklist_doc_id("north", study.study_id))
        assert entry["state"] == "delivered"

        async def reclaimed(study=study):
            return not await world.clinic_db.ids_with_prefix(f"chunk:{study.study_id}:")

        await wait_for(reclaimed, 10)
        job = await world.bridge_db.get(f"job:north:{study.study_id}")
        assert job["state"] == "done"
    assert bridge.restart_count() == 6


STATE_ORDER = ["received", "assembling", "validating", "stored", "delivering", "delivered"]


async def _upload(world: World, studies) -> None:
    for study in studies:
        await upload_chunks(world.clinic_db, study.chunks, batch=10)
        await seal(world.clinic_db, study)
