"""Several bridge processes share the work: each clinic is followed by the holder of its
lease, and a killed worker's clinics move to another after the lease expires."""

from __future__ import annotations

import pytest

from couch_design_docs.setup import ensure_clinic_database
from pacs_bridge.leases import preferred
from pacs_bridge.watcher import DESK_LEASE
from tests import factories as f
from tests.integration.bridge.conftest import (
    FINAL,
    BridgeProcess,
    OrthancClient,
    World,
    build_study,
    ct_series,
    destination,
    new_study_uids,
    upload_and_seal,
    wait_for,
    wait_status,
)

pytestmark = pytest.mark.integration

CLINICS = ["north", "south", "east", "west"]


async def test_two_workers_split_clinics_and_take_over(world: World, pacs: OrthancClient, tmp_path):
    workers = {
        name: BridgeProcess(
            workdir=tmp_path / name,
            settings=world.with_settings(worker_id=name, lease_ttl=2.0),
        )
        for name in ("w1", "w2")
    }
    try:
        for worker in workers.values():
            worker.start()
        clinics_db = world.couch.db(world.names.clinics)
        for clinic in CLINICS[1:]:  # north exists already
            await ensure_clinic_database(world.couch, world.names, clinic)
            await clinics_db.put(f.clinic(clinic, destinations=[destination(world.orthanc)]))

        # the split settles on the rendezvous choice among the live workers (the desk's
        # feed, which carries reports back, is one more lease)
        expected = {key: preferred(key, {"w1", "w2"}) for key in (*CLINICS, DESK_LEASE)}

        async def settled():
            rows = await world.bridge_db.ids_with_prefix("lease:", include_docs=True)
            owners = {r["doc"]["clinic"]: r["doc"]["owner"] for r in rows}
            return owners if owners == expected else None

        owners = await wait_for(settled, 20)
        studies = {}
        for clinic in CLINICS:
            study_uid, series_uid, _ = new_study_uids()
            study = build_study(ct_series(2, study_uid, series_uid), clinic=clinic)
            await upload_and_seal(world.couch.db(world.names.clinic(clinic)), study)
            studies[clinic] = study
        for clinic, study in studies.items():
            db = world.couch.db(world.names.clinic(clinic))
            status = await wait_status(db, study.study_id, FINAL, within=30)
            assert status["state"] == "delivered", (clinic, status["errors"])
            assert len(await pacs.instance_ids(study.study_uid)) == 2

        # kill -9 the worker holding north; the other takes north over after the TTL
        victim = owners["north"]
        survivor = "w2" if victim == "w1" else "w1"
        workers[victim].kill()
        study_uid, series_uid, _ = new_study_uids()
        late = build_study(ct_series(2, study_uid, series_uid), clinic="north")
        await upload_and_seal(world.clinic_db, late)
        status = await wait_status(world.clinic_db, late.study_id, FINAL, within=30)
        assert status["state"] == "delivered"
        lease = await world.bridge_db.get("lease:north")
        assert lease["owner"] == survivor
        assert len(await pacs.instance_ids(study_uid)) == 2
    finally:
        for worker in workers.values():
            worker.stop()
