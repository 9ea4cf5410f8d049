"""Reports back and notifications: a final report reaches the clinic, the desk hears about
urgent studies, and every notification and push happens once, even after a restart."""

from __future__ import annotations

from typing import Any

import pytest

from couch_design_docs.models import PushSubscription, RetryRequest
from couch_design_docs.names import (
    desk_report_doc_id,
    notification_doc_id,
    push_subscription_doc_id,
    report_doc_id,
    retry_request_doc_id,
    worklist_doc_id,
)
from pacs_bridge.state import checkpoint_id, job_id
from relaypacs.webpush import VapidKeys
from tests import factories as f
from tests.integration.bridge.conftest import (
    CLINIC,
    World,
    build_study,
    ct_series,
    new_study_uids,
    running_bridge,
    upload_and_seal,
    wait_for,
    wait_status,
)
from tests.push_service import PushService

pytestmark = pytest.mark.integration


@pytest.fixture
def push_service():
    service = PushService()
    yield service
    service.close()


async def subscribe(world: World, push_service: PushService, user: str, device: str) -> None:
    sub = push_service.subscriber(device)
    doc = PushSubscription(
        _id=push_subscription_doc_id(user, sub.endpoint),
        user=user,
        endpoint=sub.endpoint,
        keys=sub.keys,
        device=device,
        created_at=f.NOW,
    ).to_doc()
    await world.couch.db(world.names.push).put(doc)


@pytest.fixture
async def people(world: World, push_service: PushService) -> World:
    """Amina (clinician, phone), Dr Osei (radiologist, laptop), a radiologist who left,
    with push on; the bridge's settings carry the VAPID key."""
    users = world.couch.db(world.names.users)
    await users.put(f.user("amina"))
    await users.put(f.user("osei", role="radiologist", clinic=None))
    await users.put(f.user("left", role="radiologist", clinic=None, active=False))
    await subscribe(world, push_service, "amina", "phone")
    await subscribe(world, push_service, "osei", "laptop")
    await subscribe(world, push_service, "left", "old-laptop")
    keys = VapidKeys.generate()
    push_service.expected_public_key = keys.public_key
    world.settings = world.with_settings(vapid_private_key=keys.private_key)
    return world


def desk_report(study_id: str, **over: Any) -> dict[str, Any]:
    return f.report(
        CLINIC,
        desk=True,
        _id=desk_report_doc_id(CLINIC, study_id),
        study_id=study_id,
        **over,
    )


def seq_number(seq: Any) -> int:
    return int(str(seq).split("-", 1)[0])


async def desk_checkpoint_past(world: World, seq: Any, within: float = 15.0) -> None:
    """Wait until the bridge's desk feed recorded a sequence at or after ``seq``."""

    async def probe() -> bool:
        doc = await world.bridge_db.get_or_none(checkpoint_id(world.names.desk))
        return bool(doc) and seq_number(doc["seq"]) >= seq_number(seq)

    await wait_for(probe, within)


async def write_desk(world: World, doc: dict[str, Any]) -> Any:
    """Write a desk document the way the desk's replication lands it; return its seq."""
    await world.desk.update(doc["_id"], lambda current: dict(doc))
    changes = await world.desk.changes(since=0)
    return changes["last_seq"]


def now(fn: Any) -> Any:
    """A synchronous check as a probe for ``wait_for``."""

    async def probe() -> Any:
        return fn()

    return probe


def deliveries(push_service: PushService, device: str) -> list[dict[str, Any]]:
    return [d.payload for d in push_service.deliveries if d.subscriber == device]


async def test_final_report_reaches_the_clinic_once_and_the_worklist_shows_it(
    people: World, push_service: PushService
):
    world = people
    study_uid, series_uid, _ = new_study_uids()
    study = build_study(ct_series(2, study_uid, series_uid))
    study.manifest["priority"] = "routine"
    sid = study.study_id
    clinic_report = report_doc_id(sid)
    async with running_bridge(world.settings):
        await upload_and_seal(world.clinic_db, study)
        await wait_status(world.clinic_db, sid, "delivered")
        delivered = await wait_for(lambda: world.clinic_db.get_or_none(
            notification_doc_id("amina", f"delivered-{sid}-2")))  # fmt: skip
        assert delivered["url"] == f"/studies/{sid}"
        await wait_for(now(lambda: deliveries(push_service, "phone")))
        assert deliveries(push_service, "phone")[0]["url"] == f"/studies/{sid}"

        # a draft stays on the desk
        seq = await write_desk(world, desk_report(sid, state="draft", signed_at=None))
        await desk_checkpoint_past(world, seq)
        assert await world.clinic_db.get_or_none(clinic_report) is None
        entry = await world.desk.get(worklist_doc_id(CLINIC, sid))
        assert entry["state"] == "delivered"

        # signed: copied, the worklist shows it reported, Amina is told once
        signed = desk_report(sid, findings="Appendix 9 mm.", impression="Appendicitis.")
        await write_desk(world, signed)
        copy = await wait_for(lambda: world.clinic_db.get_or_none(clinic_report), within=15)
        for key in ("study_id", "clinic", "author", "state", "findings", "impression",
                    "signed_at"):  # fmt: skip
            assert copy[key] == signed[key]
        entry = await wait_for(lambda: _reported(world, sid))
        assert entry["reported_at"] == signed["signed_at"]
        notes = await _notifications(world, "amina", "report_final")
        assert [(n["title"], n["url"]) for n in notes] == [("Report ready", f"/reports/{sid}")]
        await wait_for(now(lambda: _pushed(push_service, "phone", "Report ready")))

    # restart from scratch (checkpoint gone): everything is re-read, nothing written again
    checkpoint = await world.bridge_db.get(checkpoint_id(world.names.desk))
    await world.bridge_db.delete(checkpoint["_id"], checkpoint["_rev"])
    rev_before = (await world.clinic_db.get(clinic_report))["_rev"]
    async with running_bridge(world.settings):
        last = (await world.desk.changes(since=0))["last_seq"]
        await desk_checkpoint_past(world, last)
        assert (await world.clinic_db.get(clinic_report))["_rev"] == rev_before
        assert len(await _notifications(world, "amina", "report_final")) == 1
        assert len(_pushed(push_service, "phone", "Report ready")) == 1

        # a final report changed again (the PWA forbids it) is copied again, and is news
        await write_desk(world, {**signed, "impression": "Appendicitis, perforated."})

        async def recopied():
            doc = await world.clinic_db.get_or_none(clinic_report)
            return doc if doc["impression"] == "Appendicitis, perforated." else None

        await wait_for(recopied, within=15)
        await wait_for(now(lambda: len(_pushed(push_service, "phone", "Report ready")) == 2))
    assert len(await _notifications(world, "amina", "report_final")) == 2
    assert not deliveries(push_service, "laptop")  # the radiologist is not told of a routine
    assert push_service.rejected == []


async def test_report_by_someone_other_than_the_claimant_is_not_carried(people: World):
    world = people
    study_uid, series_uid, _ = new_study_uids()
    study = build_study(ct_series(1, study_uid, series_uid))
    sid = study.study_id
    async with running_bridge(world.settings):
        await upload_and_seal(world.clinic_db, study)
        await wait_status(world.clinic_db, sid, "delivered")
        await write_desk(world, {**f.claim(CLINIC, study_id=sid), "_id": f"claim:{CLINIC}:{sid}"})
        seq = await write_desk(world, desk_report(sid, author="mallory"))
        await desk_checkpoint_past(world, seq)
    assert await world.clinic_db.get_or_none(report_doc_id(sid)) is None
    assert (await world.desk.get(worklist_doc_id(CLINIC, sid)))["state"] == "delivered"


async def test_urgent_study_rings_the_desk_once(people: World, push_service: PushService):
    world = people
    study_uid, series_uid, _ = new_study_uids()
    study = build_study(ct_series(2, study_uid, series_uid))
    study.manifest["priority"] = "urgent"
    sid = study.study_id
    urgent_id = notification_doc_id("osei", f"urgent-{CLINIC}-{sid}")
    async with running_bridge(world.settings):
        await upload_and_seal(world.clinic_db, study)
        await wait_status(world.clinic_db, sid, "delivered")
        note = await wait_for(lambda: world.desk.get_or_none(urgent_id), within=10)
        assert note["kind"] == "study_urgent" and note["url"] == f"/desk/{CLINIC}/{sid}"
        assert note["clinic"] == CLINIC and note["user"] == "osei"
        await wait_for(now(lambda: deliveries(push_service, "laptop")))
        assert deliveries(push_service, "laptop")[0]["url"] == f"/desk/{CLINIC}/{sid}"

    # after a restart, an administrator's retry re-runs the follow-ups: nothing new
    async with running_bridge(world.settings):
        request = RetryRequest(
            _id=retry_request_doc_id(CLINIC, sid),
            clinic=CLINIC,
            study_id=sid,
            requested_by="sam",
            requested_at=f.NOW,
        )
        await world.bridge_db.put(request.to_doc())

        async def rerun_done():
            gone = await world.bridge_db.get_or_none(request.id) is None
            job = await world.bridge_db.get(job_id(CLINIC, sid))
            return gone and job["state"] == "done"

        await wait_for(rerun_done, within=15)
    desk_notes = await world.desk.ids_with_prefix("notification:")
    assert [row["id"] for row in desk_notes] == [urgent_id]  # not the one who left
    assert len(deliveries(push_service, "laptop")) == 1
    assert len(deliveries(push_service, "phone")) == 1  # "delivered", once
    assert not deliveries(push_service, "old-laptop")
    assert push_service.rejected == []


async def _reported(world: World, study_id: str) -> dict[str, Any] | None:
    entry = await world.desk.get(worklist_doc_id(CLINIC, study_id))
    return entry if entry["state"] == "reported" else None


async def _notifications(world: World, user: str, kind: str) -> list[dict[str, Any]]:
    rows = await world.clinic_db.ids_with_prefix(f"notification:{user}:", include_docs=True)
    return [row["doc"] for row in rows if row["doc"]["kind"] == kind]


def _pushed(push_service: PushService, device: str, title: str) -> list[dict[str, Any]]:
    return [p for p in deliveries(push_service, device) if p["title"] == title]
