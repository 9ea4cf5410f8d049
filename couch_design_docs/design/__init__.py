"""CouchDB design documents, built from the pydantic contract.

One design document ``_design/relaypacs`` per kind of database: its validate_doc_update
is ``validate.js`` with the JSON schemas of the types that kind of database may hold, and
its views are the ones the dashboards and tools read.
"""

from __future__ import annotations

import json
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

from couch_design_docs.models import DOCUMENT_TYPES

DESIGN_ID = "_design/relaypacs"


class DatabaseKind(StrEnum):
    clinic = "clinic"
    desk = "desk"
    clinics = "clinics"
    users = "users"
    audit = "audit"
    push = "push"


ALLOWED_TYPES: dict[DatabaseKind, list[str]] = {
    DatabaseKind.clinic: ["study", "chunk", "status", "report", "notification"],
    DatabaseKind.desk: ["worklist", "claim", "report", "notification"],
    DatabaseKind.clinics: ["clinic"],
    DatabaseKind.users: ["user"],
    DatabaseKind.audit: ["audit"],
    DatabaseKind.push: ["push_subscription"],
}

VIEWS: dict[DatabaseKind, dict[str, dict[str, str]]] = {
    DatabaseKind.push: {
        "by_user": {
            "map": "function (doc) { if (doc.type === 'push_subscription') "
            "{ emit(doc.user, doc.device); } }",
        },
    },
    DatabaseKind.clinic: {
        # dashboards: studies by state (from the bridge's status documents)
        "studies_by_state": {
            "map": "function (doc) { if (doc.type === 'status') "
            "{ emit([doc.state, doc.updated_at], doc.study_id); } }",
            "reduce": "_count",
        },
        # the trend chart: studies per day and state
        "studies_by_day": {
            "map": "function (doc) { if (doc.type === 'status') "
            "{ emit([doc.created_at.slice(0, 10), doc.state], 1); } }",
            "reduce": "_count",
        },
        "manifests_by_state": {
            "map": "function (doc) { if (doc.type === 'study') "
            "{ emit([doc.state, doc.created_at], (doc.files || []).length); } }",
            "reduce": "_count",
        },
        "chunk_bytes_by_study": {
            "map": "function (doc) { if (doc.type === 'chunk') { emit(doc.study_id, doc.size); } }",
            "reduce": "_sum",
        },
    },
    DatabaseKind.desk: {
        "worklist": {
            "map": "function (doc) { if (doc.type === 'worklist') { var rank = "
            "{stat: 0, urgent: 1, routine: 2}[doc.priority]; "
            "emit([doc.state, rank, doc.received_at], null); } }",
            "reduce": "_count",
        },
    },
    DatabaseKind.clinics: {},
    DatabaseKind.users: {
        "by_clinic": {
            "map": "function (doc) { if (doc.type === 'user') "
            "{ emit([doc.clinic, doc.role, doc.username], doc.active); } }",
        },
    },
    DatabaseKind.audit: {
        "by_actor": {
            "map": "function (doc) { if (doc.type === 'audit') "
            "{ emit([doc.actor, doc.at], doc.action); } }",
        },
        "by_doc": {
            "map": "function (doc) { if (doc.type === 'audit') { for (var i = 0; i < "
            "doc.doc_ids.length; i++) { emit([doc.doc_ids[i], doc.at], doc.action); } } }",
        },
    },
}

FILTERS: dict[DatabaseKind, dict[str, str]] = {
    # what a clinic member pulls: everything but image data
    DatabaseKind.clinic: {"no_chunks": "function (doc) { return doc.type !== 'chunk'; }"},
}


@cache
def schemas() -> dict[str, Any]:
    """The JSON schema of every document type, as the validate function reads them."""
    return {
        name: model.model_json_schema(by_alias=True, mode="validation")
        for name, model in DOCUMENT_TYPES.items()
    }


def validate_function(kind: DatabaseKind, clinic_id: str | None = None) -> str:
    template = resources.files(__package__).joinpath("validate.js").read_text()
    allowed = ALLOWED_TYPES[kind]
    wanted = {name: schemas()[name] for name in allowed}
    return (
        template.replace("__SCHEMAS__", json.dumps(wanted, sort_keys=True))
        .replace("__ALLOWED__", json.dumps(allowed))
        .replace("__KNOWN__", json.dumps(sorted(DOCUMENT_TYPES)))
        .replace("__KIND__", json.dumps(kind.value))
        .replace("__CLINIC__", json.dumps(clinic_id))
    )


def design_document(kind: DatabaseKind, clinic_id: str | None = None) -> dict[str, Any]:
    """The design document of one database; a clinic database's names its clinic."""
    if (kind is DatabaseKind.clinic) != (clinic_id is not None):
        raise ValueError("clinic_id is required for, and only for, clinic databases")
    doc: dict[str, Any] = {
        "_id": DESIGN_ID,
        "language": "javascript",
        "validate_doc_update": validate_function(kind, clinic_id),
        "views": VIEWS[kind],
    }
    if kind in FILTERS:
        doc["filters"] = FILTERS[kind]
    return doc
