"""The worklist's viewer link: ``{orthanc_id}`` is the id Orthanc itself gives the study,
and a broken template costs the link, never the study."""

from __future__ import annotations

import io

import pydicom
import pytest

from couch_design_docs.names import worklist_doc_id
from pacs_bridge.publish import orthanc_study_id
from pacs_bridge.state import job_id
from tests import factories as f
from tests.integration.bridge.conftest import (
    CLINIC,
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

EXPLORER = "/app/explorer.html#study?uuid={orthanc_id}"  # what `relaypacs up` configures


async def use_template(world: World, template: str) -> None:
    dest = destination(world.orthanc, viewer_url_template=template)
    await world.couch.db(world.names.clinics).update(
        f"clinic:{CLINIC}", lambda current: f.clinic(CLINIC, destinations=[dest])
    )


async def test_orthanc_id_link_opens_the_study_orthanc_stored(world: World, pacs: OrthancClient):
    await use_template(world, world.orthanc.url + EXPLORER)
    study_uid, series_uid, _ = new_study_uids()
    study = build_study(ct_series(1, study_uid, series_uid))
    patient_id = str(pydicom.dcmread(io.BytesIO(study.files[0].data)).PatientID)
    study.manifest["patient"] = {"name": "X", "id": patient_id}  # as the PWA reads it
    async with running_bridge(world.settings):
        await upload_and_seal(world.clinic_db, study)
        await wait_status(world.clinic_db, study.study_id, "delivered")

        async def linked():
            entry = await world.desk.get(worklist_doc_id(CLINIC, study.study_id))
            return entry.get("viewer_url")

        url = await wait_for(linked, within=10)
    async with pacs.http() as http:
        found = (await http.post("/tools/lookup", content=study_uid)).json()
    (orthanc,) = [item["ID"] for item in found if item["Type"] == "Study"]
    assert orthanc == orthanc_study_id(patient_id, study_uid)
    assert url == world.orthanc.url + EXPLORER.format(orthanc_id=orthanc)
    async with pacs.http() as http:
        assert (await http.get(f"/studies/{orthanc}")).status_code == 200


async def test_bad_template_costs_the_link_not_the_study(world: World, pacs: OrthancClient):
    await use_template(world, world.orthanc.url + "/viewer?study={StudyInstanceUID}")
    study_uid, series_uid, _ = new_study_uids()
    study = build_study(ct_series(1, study_uid, series_uid))
    async with running_bridge(world.settings):
        await upload_and_seal(world.clinic_db, study)
        await wait_status(world.clinic_db, study.study_id, "delivered")

        async def done():
            job = await world.bridge_db.get_or_none(job_id(CLINIC, study.study_id))
            return job if job and job["state"] == "done" else None

        job = await wait_for(done, within=10)
    assert job["result"] == "delivered" and job["attempts"] == 0
    entry = await world.desk.get(worklist_doc_id(CLINIC, study.study_id))
    assert entry["state"] == "delivered" and "viewer_url" not in entry
