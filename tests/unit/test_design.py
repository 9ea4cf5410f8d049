"""Design documents are generated from the contract (pure)."""

import pytest

from couch_design_docs.design import ALLOWED_TYPES, DatabaseKind, design_document, schemas
from couch_design_docs.models import DOCUMENT_TYPES


def test_every_type_has_a_schema_and_a_home():
    assert set(schemas()) == set(DOCUMENT_TYPES)
    homes = {t for allowed in ALLOWED_TYPES.values() for t in allowed}
    assert homes == set(DOCUMENT_TYPES)


@pytest.mark.parametrize("kind", list(DatabaseKind))
def test_validate_function_has_no_placeholders_left(kind):
    clinic = "north" if kind is DatabaseKind.clinic else None
    source = design_document(kind, clinic)["validate_doc_update"]
    assert "__" not in source.replace("__proto__", "")
    assert source.startswith("function (newDoc, oldDoc, userCtx, secObj)")


def test_clinic_design_doc_names_its_clinic():
    source = design_document(DatabaseKind.clinic, "north")["validate_doc_update"]
    assert 'var CLINIC = "north";' in source
    with pytest.raises(ValueError):
        design_document(DatabaseKind.clinic)
    with pytest.raises(ValueError):
        design_document(DatabaseKind.desk, "north")
