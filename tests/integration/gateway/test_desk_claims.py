"""The radiology desk through the proxy: claims (one winner, the loser told) and reports."""

from __future__ import annotations

import pytest

from couch_design_docs import names as ids
from sync_gateway.accounts.service import create_user
from tests import factories as f
from tests.integration.gateway.conftest import PASSWORD, World

pytestmark = pytest.mark.integration


async def second_radiologist(world: World) -> str:
    name = f"mensah-{world.tag}"
    await create_user(
        world.gw.admin, world.gw.names, world.gw.settings, name, PASSWORD, "radiologist"
    )
    return "mensah"


async def two_radiologists(world: World):
    return await world.login("osei"), await world.login(await second_radiologist(world))


def claim(world: World, radiologist: str, study_id: str) -> dict:
    return f.claim(
        world.clinic,
        _id=ids.claim_doc_id(world.clinic, study_id),
        study_id=study_id,
        radiologist=radiologist,
    )


def report(world: World, author: str, study_id: str, **over) -> dict:
    return f.report(
        world.clinic,
        desk=True,
        _id=ids.desk_report_doc_id(world.clinic, study_id),
        study_id=study_id,
        author=author,
        **over,
    )


async def test_second_claim_is_a_409_naming_the_winner(world: World) -> None:
    osei, mensah = await two_radiologists(world)
    study_id = f"claim{world.tag}x"
    doc_id = ids.claim_doc_id(world.clinic, study_id)
    url = f"/sync/{world.desk}/{doc_id}"

    won = await world.http.put(
        url, json=claim(world, osei.username, study_id), headers=osei.headers
    )
    lost = await world.http.put(
        url, json=claim(world, mensah.username, study_id), headers=mensah.headers
    )

    assert won.status_code == 201, won.text
    assert lost.status_code == 409, lost.text
    assert lost.json()["error"] == "conflict"
    assert lost.json()["reason"] == f"claimed by {osei.username} at {f.NOW}"
    # the same through _bulk_docs (what a replicating desk sends)
    bulk = await world.http.post(
        f"/sync/{world.desk}/_bulk_docs",
        json={"docs": [claim(world, mensah.username, study_id)]},
        headers=mensah.headers,
    )
    assert bulk.status_code == 201
    assert bulk.json()[0]["error"] == "conflict" and bulk.json()[0]["status"] == 409
    assert osei.username in bulk.json()[0]["reason"]
    # nor can it be taken with the winner's rev, or deleted
    rev = won.json()["rev"]
    steal = {**claim(world, mensah.username, study_id), "_rev": rev}
    stolen = await world.http.put(url, json=steal, headers=mensah.headers)
    assert stolen.status_code == 409
    deleted = await world.http.delete(f"{url}?rev={rev}", headers=mensah.headers)
    assert deleted.status_code == 403
    stored = await world.gw.admin.db(world.desk).get(doc_id)
    assert stored["radiologist"] == osei.username and stored["_rev"] == rev

    # the winner re-claiming without a rev hears it is already theirs
    again = await world.http.put(
        url, json=claim(world, osei.username, study_id), headers=osei.headers
    )
    assert again.status_code == 409 and "you claimed" in again.json()["reason"]
    # and may update it with the rev
    updated = await world.http.put(
        url, json={**claim(world, osei.username, study_id), "_rev": rev}, headers=osei.headers
    )
    assert updated.status_code == 201


async def test_claims_only_in_ones_own_name(world: World) -> None:
    osei = await world.login("osei")
    amina = await world.login("amina")
    study_id = f"named{world.tag}x"
    doc = claim(world, "someone-else", study_id)
    response = await world.http.put(
        f"/sync/{world.desk}/{doc['_id']}", json=doc, headers=osei.headers
    )
    assert response.status_code == 403
    assert "radiologist must be" in response.json()["reason"]
    mine = claim(world, amina.username, study_id)
    response = await world.http.put(
        f"/sync/{world.desk}/{mine['_id']}", json=mine, headers=amina.headers
    )
    assert response.status_code == 403


async def test_reports_draft_then_final_by_their_author_only(world: World) -> None:
    osei, mensah = await two_radiologists(world)
    study_id = f"report{world.tag}x"
    url = f"/sync/{world.desk}/{ids.desk_report_doc_id(world.clinic, study_id)}"

    draft = report(world, osei.username, study_id, state="draft", signed_at=None)
    draft = {k: v for k, v in draft.items() if v is not None}
    created = await world.http.put(url, json=draft, headers=osei.headers)
    assert created.status_code == 201, created.text
    final = {**report(world, osei.username, study_id), "_rev": created.json()["rev"]}
    signed = await world.http.put(url, json=final, headers=osei.headers)
    assert signed.status_code == 201, signed.text

    # another radiologist can neither overwrite it nor write one in osei's name
    theirs = {**report(world, mensah.username, study_id), "_rev": signed.json()["rev"]}
    response = await world.http.put(url, json=theirs, headers=mensah.headers)
    assert response.status_code == 403
    assert osei.username in response.json()["reason"]
    forged = {**report(world, osei.username, study_id), "_rev": signed.json()["rev"]}
    response = await world.http.put(url, json=forged, headers=mensah.headers)
    assert response.status_code == 403 and "author must be" in response.json()["reason"]
    stored = await world.gw.admin.db(world.desk).get(ids.desk_report_doc_id(world.clinic, study_id))
    assert stored["author"] == osei.username and stored["state"] == "final"


async def test_a_released_claim_is_taken_over_and_then_held_again(world: World) -> None:
    osei, mensah = await two_radiologists(world)
    study_id = f"release{world.tag}x"
    doc_id = ids.claim_doc_id(world.clinic, study_id)
    url = f"/sync/{world.desk}/{doc_id}"
    held = await world.http.put(
        url, json=claim(world, osei.username, study_id), headers=osei.headers
    )
    assert held.status_code == 201, held.text
    released = await world.http.put(
        url,
        json={
            **claim(world, osei.username, study_id),
            "_rev": held.json()["rev"],
            "released_at": f.NOW,
        },
        headers=osei.headers,
    )
    assert released.status_code == 201, released.text

    rev = released.json()["rev"]
    taken = await world.http.put(
        url, json={**claim(world, mensah.username, study_id), "_rev": rev}, headers=mensah.headers
    )
    assert taken.status_code == 201, taken.text
    stored = await world.gw.admin.db(world.desk).get(doc_id)
    assert stored["radiologist"] == mensah.username and "released_at" not in stored
    # held again: osei cannot take it back with any revision
    back = {**claim(world, osei.username, study_id), "_rev": taken.json()["rev"]}
    refused = await world.http.put(url, json=back, headers=osei.headers)
    assert refused.status_code == 409
    assert refused.json()["reason"].startswith(f"claimed by {mensah.username}")
