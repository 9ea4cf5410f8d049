"""The clinic's copy of a desk report (pure part of pacs_bridge.reports)."""

from __future__ import annotations

from couch_design_docs.models import Report
from couch_design_docs.names import report_doc_id
from pacs_bridge.reports import _same, clinic_copy
from tests import factories as f


def test_clinic_copy_has_the_same_fields_under_the_clinic_id():
    desk = f.report(desk=True, _rev="3-abc")
    copy = clinic_copy(Report.model_validate(desk))
    assert copy["_id"] == report_doc_id(desk["study_id"])
    assert "_rev" not in copy
    assert {k: v for k, v in copy.items() if k != "_id"} == {
        k: v for k, v in desk.items() if k not in ("_id", "_rev")
    }
    Report.model_validate(copy)  # the clinic database's validation accepts it


def test_only_a_content_change_is_written_again():
    copy = clinic_copy(Report.model_validate(f.report(desk=True)))
    stored = {**copy, "_rev": "1-x"}
    assert _same(stored, copy)
    assert not _same({**stored, "impression": "Other."}, copy)
