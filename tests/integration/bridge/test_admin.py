"""What the admin page relies on: health reports, and "retry" of a failed study."""

from __future__ import annotations

import pytest

from couch_design_docs.models import BridgeHealth, RetryRequest
from couch_design_docs.names import bridge_health_doc_id, retry_request_doc_id
from relaypacs.harness.process import free_port
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


async def test_failed_study_is_reported_and_retried_on_request(world: World, pacs: OrthancClient):
    clinics = world.couch.db(world.names.clinics)
    dead = destination(world.orthanc, stow_url=f"http://127.0.0.1:{free_port()}/dicom-web")
    await clinics.update("clinic:north", lambda current: f.clinic("north", destinations=[dead]))
    settings = world.with_settings(give_up_after=1.5, retry_base=0.2, retry_max=0.4)
    study_uid, series_uid, _ = new_study_uids()
    study = build_study(ct_series(2, study_uid, series_uid))
    health_id = bridge_health_doc_id(settings.worker_id)
    async with running_bridge(settings):
        await upload_and_seal(world.clinic_db, study)
        failed = await wait_status(world.clinic_db, study.study_id, FINAL)
        assert failed["state"] == "failed"

        async def reported():
            doc = await world.bridge_db.get_or_none(health_id)
            return doc if doc and doc["failed"] else None

        health = BridgeHealth.model_validate(await wait_for(reported, 10))
        assert health.worker == settings.worker_id
        assert "north" in health.clinics
        (entry,) = health.failed
        assert entry.study_id == study.study_id and entry.state == "failed"
        assert entry.message

        # the administrator fixes the destination and presses "retry"
        await clinics.update(
            "clinic:north",
            lambda current: f.clinic("north", destinations=[destination(world.orthanc)]),
        )
        request = RetryRequest(
            _id=retry_request_doc_id("north", study.study_id),
            clinic="north",
            study_id=study.study_id,
            requested_by="sam",
            requested_at="2026-11-28T12:00:00Z",
        )
        await world.bridge_db.put(request.to_doc())

        async def delivered():
            doc = await world.clinic_db.get(f"status:{study.study_id}")
            return doc if doc["state"] == "delivered" else None

        status = await wait_for(delivered, 20)

        async def cleared():
            doc = await world.bridge_db.get_or_none(health_id)
            return doc is not None and not doc["failed"]

        await wait_for(cleared, 10)
    assert await world.bridge_db.get_or_none(request.id) is None
    states = [h["state"] for h in status["history"]]
    assert states.count("received") == 2 and states[-1] == "delivered"
    assert status["errors"] == []
    assert status["destinations"]["orthanc"]["state"] == "delivered"
    assert len(await pacs.instance_ids(study_uid)) == 2
