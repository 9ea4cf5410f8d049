"""`couch-setup` is idempotent and updates a design document only when it changed."""

from __future__ import annotations

import pytest

from couch_design_docs.design import DESIGN_ID
from couch_design_docs.names import DatabaseNames
from couch_design_docs.setup import security_object, setup
from relaypacs.couch import CouchClient
from tests import factories

pytestmark = pytest.mark.integration


async def test_setup_twice_changes_nothing_the_second_time(couch: CouchClient, names):
    first = await setup(couch, names, clinic_ids=["north", "south"])
    assert set(first.created) == {
        *names.service_databases,
        names.clinic("north"),
        names.clinic("south"),
    }
    revs = {
        db: (await couch.db(db).get_or_none(DESIGN_ID) or {}).get("_rev") for db in first.created
    }

    second = await setup(couch, names, clinic_ids=["north", "south"])
    assert not second.changed, second
    for db, rev in revs.items():
        assert (await couch.db(db).get_or_none(DESIGN_ID) or {}).get("_rev") == rev
    assert await couch.db(names.clinic("north")).get_security() == security_object(None)


async def test_changed_design_doc_is_updated(couch: CouchClient, names: DatabaseNames):
    await setup(couch, names, clinic_ids=["north"])
    desk = couch.db(names.desk)
    design = await desk.get(DESIGN_ID)
    design["views"]["worklist"]["map"] = "function (doc) {}"  # drifted, e.g. an old release
    await desk.put(design)

    report = await setup(couch, names, clinic_ids=["north"])
    assert report.design == [names.desk]
    assert "rank" in (await desk.get(DESIGN_ID))["views"]["worklist"]["map"]


async def test_clinics_known_in_the_clinics_database_get_databases(couch: CouchClient, names):
    await setup(couch, names)
    await couch.db(names.clinics).put(factories.clinic("east"))
    report = await setup(couch, names)
    assert report.created == [names.clinic("east")]


async def test_views_answer(couch: CouchClient, names: DatabaseNames):
    await setup(couch, names, clinic_ids=["north"])
    db = couch.db(names.clinic("north"))
    await db.put(factories.status(state="failed"))
    result = await db.view("relaypacs", "studies_by_state", group_level=1)
    assert result["rows"] == [{"key": ["failed"], "value": 1}]
    by_day = await db.view("relaypacs", "studies_by_day", group=True)
    assert by_day["rows"][0]["key"] == ["2026-11-28", "failed"]
