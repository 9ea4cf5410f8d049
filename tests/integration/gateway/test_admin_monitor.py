"""Sam's admin page against the running gateway: health, failures, retry, audit, metrics."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from couch_design_docs import names as ids
from couch_design_docs.models import BridgeHealth
from couch_design_docs.timestamps import to_timestamp
from tests import factories as f
from tests.integration.gateway.conftest import METRICS_TOKEN, World

pytestmark = pytest.mark.integration


def status(world: World, study_id: str, state: str, **over: Any) -> dict[str, Any]:
    return f.status(
        world.clinic,
        _id=ids.status_doc_id(study_id),
        study_id=study_id,
        state=state,
        **over,
    )


async def seed(world: World) -> dict[str, str]:
    """Status documents in the clinic database and two bridge workers' health documents."""
    tag = world.tag
    studies = {
        "failed": f"fail{tag}aa",
        "partial": f"part{tag}aa",
        "delivered": f"done{tag}aa",
        "received": f"recv{tag}aa",
    }
    error = {
        "code": "truncated_file",
        "message": "file 17 is cut short — export it again",
        "file_name": "IM0017.dcm",
    }
    docs = [
        status(world, studies["failed"], "failed", errors=[error]),
        status(
            world,
            studies["partial"],
            "partial",
            destinations={
                "orthanc": {
                    "state": "partial",
                    "error": {"code": "pacs_rejected", "message": "2 of 3 instances refused"},
                }
            },
        ),
        status(world, studies["delivered"], "delivered"),
        status(world, studies["received"], "received"),
    ]
    await world.gw.admin.db(world.db()).bulk_docs(docs)
    now = datetime.now(UTC)
    bridge = world.gw.admin.db(world.gw.names.bridge)
    for worker, at in ((f"fresh-{tag}", now), (f"stale-{tag}", now - timedelta(hours=1))):
        doc = BridgeHealth(
            _id=ids.bridge_health_doc_id(worker),
            worker=worker,
            started_at=to_timestamp(now - timedelta(hours=2), "seconds"),
            at=to_timestamp(at, "seconds"),
            queue_depth=3,
        ).to_doc()
        await bridge.put(doc)
    return studies


async def test_health_counts_studies_per_clinic_and_marks_stale_workers(world: World) -> None:
    await seed(world)
    sam = await world.login("sam")
    response = await world.http.get("/api/v1/admin/health", headers=sam.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    workers = {w["worker"]: w for w in body["bridge"]["workers"]}
    assert workers[f"fresh-{world.tag}"]["stale"] is False
    assert workers[f"stale-{world.tag}"]["stale"] is True
    assert workers[f"stale-{world.tag}"]["age_seconds"] >= 3500
    clinic = next(c for c in body["clinics"] if c["clinic_id"] == world.clinic)
    assert clinic["states"]["failed"] == 1 and clinic["states"]["delivered"] == 1
    assert clinic["queued"] == 1 and clinic["failed"] == 1 and clinic["partial"] == 1
    other = next(c for c in body["clinics"] if c["clinic_id"] == world.other_clinic)
    assert other["queued"] == 0
    assert body["status"] == "degraded" and body["problems"]


async def test_failures_list_reasons_without_patient_data(world: World) -> None:
    studies = await seed(world)
    sam = await world.login("sam")
    response = await world.http.get(
        "/api/v1/admin/failures", params={"clinic": world.clinic}, headers=sam.headers
    )
    assert response.status_code == 200, response.text
    items = {i["study_id"]: i for i in response.json()}
    assert set(items) == {studies["failed"], studies["partial"]}
    failed = items[studies["failed"]]
    assert failed["clinic"] == world.clinic and failed["state"] == "failed"
    assert failed["errors"] == [
        {"code": "truncated_file", "message": "file 17 is cut short — export it again"}
    ]
    partial = items[studies["partial"]]
    assert partial["errors"][0]["code"] == "pacs_rejected"
    assert partial["errors"][0]["destination"] == "orthanc"
    assert "patient" not in response.text and "IM0017" not in response.text


async def test_retry_writes_one_request_until_the_bridge_handles_it(world: World) -> None:
    studies = await seed(world)
    sam = await world.login("sam")
    url = f"/api/v1/admin/clinics/{world.clinic}/studies/{studies['failed']}/retry"

    first = await world.http.post(url, headers=sam.headers)
    second = await world.http.post(url, headers=sam.headers)

    assert first.status_code == 202, first.text
    assert first.json()["already_requested"] is False
    assert first.json()["requested_by"] == sam.username
    assert second.status_code == 202 and second.json()["already_requested"] is True
    assert second.json()["requested_at"] == first.json()["requested_at"]
    bridge = world.gw.admin.db(world.gw.names.bridge)
    doc_id = ids.retry_request_doc_id(world.clinic, studies["failed"])
    stored = await bridge.get(doc_id)
    assert stored["type"] == "retry_request" and stored["clinic"] == world.clinic
    listed = await world.http.get(
        "/api/v1/admin/failures", params={"clinic": world.clinic}, headers=sam.headers
    )
    retry = {i["study_id"]: i["retry"] for i in listed.json()}[studies["failed"]]
    assert retry["requested_by"] == sam.username
    # the bridge handled it (deleted the request): a later retry is a new one
    await bridge.delete(doc_id, stored["_rev"])
    third = await world.http.post(url, headers=sam.headers)
    assert third.status_code == 202 and third.json()["already_requested"] is False

    delivered = f"/api/v1/admin/clinics/{world.clinic}/studies/{studies['delivered']}/retry"
    assert (await world.http.post(delivered, headers=sam.headers)).status_code == 409
    unknown = f"/api/v1/admin/clinics/{world.clinic}/studies/nosuchstudy1/retry"
    assert (await world.http.post(unknown, headers=sam.headers)).status_code == 404
    nowhere = f"/api/v1/admin/clinics/zz{world.tag}/studies/{studies['failed']}/retry"
    assert (await world.http.post(nowhere, headers=sam.headers)).status_code == 404


async def test_monitoring_is_for_administrators_only(world: World) -> None:
    for user in ("amina", "osei"):
        session = await world.login(user)
        for method, path in (
            ("GET", "/api/v1/admin/health"),
            ("GET", "/api/v1/admin/failures"),
            ("GET", "/api/v1/admin/audit"),
            ("POST", f"/api/v1/admin/clinics/{world.clinic}/studies/abcdefgh12/retry"),
        ):
            response = await world.http.request(method, path, headers=session.headers)
            assert response.status_code == 403, (user, path)
    assert (await world.http.get("/api/v1/admin/health")).status_code == 401


async def audit_of(world: World, headers: dict, **params: Any) -> list[dict[str, Any]]:
    for _ in range(30):
        response = await world.http.get("/api/v1/admin/audit", params=params, headers=headers)
        assert response.status_code == 200, response.text
        if response.json():
            return response.json()
        await asyncio.sleep(0.1)
    return []


async def test_admin_actions_and_study_access_are_in_the_trail(world: World) -> None:
    studies = await seed(world)
    sam = await world.login("sam")
    amina = await world.login("amina")
    new_user, clinic_id = f"nia-{world.tag}", f"c{world.tag}"
    actions = [
        ("POST", "/api/v1/admin/clinics", {"clinic_id": clinic_id, "name": "New clinic"}),
        ("PATCH", f"/api/v1/admin/clinics/{clinic_id}", {"name": "Renamed"}),
        ("PUT", f"/api/v1/admin/clinics/{clinic_id}/destinations", []),
        (
            "POST",
            "/api/v1/admin/users",
            {
                "username": new_user,
                "password": "a long enough secret",
                "role": "clinician",
                "clinic": world.clinic,
            },
        ),
        ("POST", f"/api/v1/admin/users/{new_user}/disable", None),
        ("POST", f"/api/v1/admin/users/{new_user}/totp/reset", None),
        ("POST", f"/api/v1/admin/users/{new_user}/password", {"password": "another long one!"}),
        ("POST", f"/api/v1/admin/clinics/{world.clinic}/studies/{studies['failed']}/retry", None),
    ]
    try:
        for method, path, body in actions:
            response = await world.http.request(method, path, json=body, headers=sam.headers)
            assert response.status_code < 300, (path, response.text)
        doc = f.study(world.clinic, _id=ids.study_doc_id(studies["failed"]), author=amina.username)
        doc["study_id"] = studies["failed"]
        put = await world.http.put(
            f"/sync/{world.db()}/{doc['_id']}", json=doc, headers=amina.headers
        )
        assert put.status_code == 201, put.text

        events = await audit_of(world, sam.headers, actor=sam.username, limit=50)
        done = {e["action"] for e in events}
        assert {
            "clinic_create",
            "clinic_update",
            "clinic_destinations",
            "user_create",
            "user_disable",
            "user_reset_totp",
            "user_reset_password",
            "study_retry",
        } <= done, done
        times = [e["at"] for e in events]
        assert times == sorted(times, reverse=True)  # newest first
        about_user = await audit_of(world, sam.headers, doc=f"user:{new_user}")
        assert {e["action"] for e in about_user} >= {"user_create", "user_disable"}
        about_study = await audit_of(world, sam.headers, doc=doc["_id"])
        assert [(e["actor"], e["action"]) for e in about_study] == [(amina.username, "write")]
        latest = await audit_of(world, sam.headers, limit=5)
        assert len(latest) == 5
    finally:
        await world.gw.admin.db(world.gw.names.clinic(clinic_id)).destroy()


async def test_metrics_use_route_templates_and_need_credentials(world: World) -> None:
    amina, sam = await world.login("amina"), await world.login("sam")
    await world.http.get(f"/sync/{world.db()}", headers=amina.headers)
    await world.http.get(f"/sync/{world.db()}/_changes?since=0&limit=1", headers=amina.headers)
    await world.http.get(f"/api/v1/admin/users/{amina.username}", headers=sam.headers)
    await world.http.post("/api/v1/auth/login", json={"username": "nobody", "password": "x" * 12})

    assert (await world.http.get("/metrics")).status_code == 401
    assert (await world.http.get("/metrics", headers=amina.headers)).status_code == 403
    scraped = await world.http.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert scraped.status_code == 200
    assert (await world.http.get("/metrics", headers=sam.headers)).status_code == 200
    text = scraped.text
    assert 'route="/sync/{db}:db_info"' in text and 'route="/sync/{db}:changes"' in text
    assert 'route="/api/v1/admin/users/{username}"' in text
    assert "relaypacs_gateway_proxied_bytes_total" in text
    assert 'relaypacs_gateway_login_failures_total{reason="bad_credentials"}' in text
    assert 'relaypacs_gateway_changes_feeds_active{feed="normal"} 0.0' in text
    # no ids, names or databases in any label
    for secret in (amina.username, world.clinic, world.db(), "nobody"):
        assert secret not in text
