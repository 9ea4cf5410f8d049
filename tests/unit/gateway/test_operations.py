"""Classifying proxied requests: what each path asks for, and what is refused outright."""

from __future__ import annotations

import pytest

from sync_gateway.access.policy import Access
from sync_gateway.proxy.operations import Op, classify, split_path


@pytest.mark.parametrize(
    ("method", "path", "op", "needs"),
    [
        ("GET", "", Op.db_info, Access.read),
        ("HEAD", "", Op.db_info, Access.read),
        ("GET", "_changes", Op.changes, Access.read),
        ("POST", "_changes", Op.changes, Access.read),
        ("POST", "_revs_diff", Op.revs_diff, Access.read),
        ("POST", "_bulk_docs", Op.bulk_docs, Access.write),
        ("POST", "_bulk_get", Op.bulk_get, Access.read),
        ("GET", "_all_docs", Op.all_docs, Access.read),
        ("POST", "_find", Op.find, Access.read),
        ("GET", "_local/abc", Op.local_read, Access.read),
        ("PUT", "_local/abc", Op.local_write, Access.write),
        ("GET", "study:abc", Op.doc_read, Access.read),
        ("PUT", "study:abc", Op.doc_write, Access.write),
        ("GET", "chunk:a:b:00001/data", Op.att_read, Access.read),
        ("PUT", "chunk:a:b:00001/data", Op.att_write, Access.write),
    ],
)
def test_replication_requests(method: str, path: str, op: Op, needs: Access) -> None:
    _, segments = split_path(f"/sync/db/{path}" if path else "/sync/db")
    operation = classify(method, segments)
    assert operation.op == op
    assert operation.needs == needs


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PUT", ""),
        ("DELETE", ""),
        ("GET", "_design/relaypacs"),
        ("PUT", "_design/relaypacs"),
        ("GET", "_design%2Frelaypacs"),
        ("GET", "_design/relaypacs/_view/worklist"),
        ("GET", "_security"),
        ("PUT", "_security"),
        ("POST", "_compact"),
        ("POST", "_view_cleanup"),
        ("POST", "_purge"),
        ("PUT", "_revs_limit"),
        ("POST", "_index"),
        ("DELETE", "study:abc"),
        ("DELETE", "chunk:a:b:00001/data"),
        ("COPY", "study:abc"),
        ("GET", "_local"),
        ("GET", "%5Fsecurity"),
    ],
)
def test_refused_without_reaching_couchdb(method: str, path: str) -> None:
    _, segments = split_path(f"/sync/db/{path}" if path else "/sync/db")
    assert classify(method, segments).op == Op.refused


def test_split_path_decodes_segments() -> None:
    assert split_path("/sync/p_clinic_north/chunk%3Aa%3Ab/data") == (
        "p_clinic_north",
        ["chunk:a:b", "data"],
    )
    assert split_path("/sync/p_clinic_north/") == ("p_clinic_north", [])
