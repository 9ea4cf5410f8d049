"""Database names and document ids (pure)."""

import pytest

from couch_design_docs import names


def test_clinic_database_names_round_trip():
    n = names.DatabaseNames("t1_")
    assert n.clinic("north") == "t1_clinic_north"
    assert n.clinic_of("t1_clinic_north") == "north"
    assert n.clinic_of("t1_relaypacs_desk") is None
    assert n.clinic_of("clinic_north") is None  # another installation's prefix


@pytest.mark.parametrize("bad", ["", "N", "north/../x", "_users", "a" * 41, "1abc"])
def test_invalid_clinic_ids_are_refused(bad):
    with pytest.raises(ValueError, match="invalid clinic id"):
        names.DatabaseNames().clinic(bad)


def test_document_ids():
    assert names.chunk_doc_id("s1", "f" * 64, 7) == f"chunk:s1:{'f' * 64}:00007"
    assert names.chunk_doc_id("s1", "f", 7).startswith(names.chunk_prefix("s1", "f"))
    assert names.doc_type_of("status:abc") == "status"
    assert names.doc_type_of("_design/relaypacs") is None
