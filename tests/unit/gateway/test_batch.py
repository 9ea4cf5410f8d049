"""The _bulk_docs splitter: what it yields is what json.loads sees, however the body is cut."""

from __future__ import annotations

import base64
import json
import random

import pytest

from sync_gateway.proxy.batch import (
    BatchSplitter,
    MalformedBatch,
    bulk_body,
    parse_document,
    split,
)


def _doc(rng: random.Random) -> dict:
    return {
        "_id": f'chunk:{rng.random()}"\\x',
        "nested": [1, {"tricky": ']}[{,:"'}, None, True],
        "escapes": '\\"' * rng.randint(0, 3) + "\\",
        "data": base64.b64encode(rng.randbytes(rng.randint(0, 400))).decode(),
        "unicode": "é\u2028☃",
    }


def _body(rng: random.Random) -> tuple[bytes, dict]:
    payload: dict = {"docs": [_doc(rng) for _ in range(rng.randint(0, 5))]}
    if rng.random() < 0.5:
        payload["new_edits"] = False
    if rng.random() < 0.3:
        payload = {"note": "docs", **payload}
    raw = json.dumps(payload, indent=rng.choice([None, 1, 2]), ensure_ascii=rng.random() < 0.5)
    return raw.encode(), payload


@pytest.mark.parametrize("seed", range(300))
def test_pieces_of_any_size_give_the_documents_json_loads_gives(seed: int) -> None:
    rng = random.Random(seed)
    raw, payload = _body(rng)
    splitter, docs, at = BatchSplitter(), [], 0
    while at < len(raw):
        size = rng.choice([1, 2, 3, 7, 64, 4096])
        docs += splitter.feed(raw[at : at + size])
        at += size
    options = splitter.finish()
    assert [parse_document(d) for d in docs] == payload["docs"]
    assert options == {k: v for k, v in payload.items() if k != "docs"}
    rebuilt = json.loads(b"".join(bulk_body(docs, options)))
    assert rebuilt == {"docs": payload["docs"], **options}


def test_documents_are_forwarded_byte_for_byte() -> None:
    body = b' { "docs" : [ {"a" :1} , {"b":[2]}\n] , "new_edits" : false } '
    docs, options = split(body)
    assert docs == [b'{"a" :1}', b'{"b":[2]}']
    assert options == {"new_edits": False}
    assert b"".join(bulk_body(docs, options)) == b'{"docs":[{"a" :1},{"b":[2]}],"new_edits":false}'


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"[]",
        b'{"docs":{}}',
        b'{"docs":[1]}',
        b'{"docs":[{},]}',
        b'{"docs":[,{}]}',
        b'{"docs":[x{}]}',
        b'{"docs":[{}x]}',
        b'{"docs":[{}]',
        b'{"docs":["a]}',
        b'{"docs":[{}], x}',
        b'{"docs":[{}]}}',
        b'{"docs":[],"docs":[]}',
        b'{"docs":[{}],"docs":5}',
        b'{"d\\u006fcs":[{}]}',  # json.loads reads "docs" here; the scanner does not
    ],
)
def test_anything_but_a_docs_array_of_objects_is_refused(body: bytes) -> None:
    with pytest.raises(MalformedBatch):
        docs, _ = split(body)
        for doc in docs:
            parse_document(doc)


def test_memory_holds_one_document_not_the_batch() -> None:
    splitter = BatchSplitter()
    big = json.dumps({"data": "A" * 100_000}).encode()
    splitter.feed(b'{"docs":[')
    for _ in range(20):
        assert splitter.feed(big + b",") == [big]
        assert len(splitter._buf) < 2 * len(big)
    splitter.feed(big + b"]}")
    assert splitter.finish() == {}


def test_a_string_full_of_escapes_is_stepped_over_in_c() -> None:
    body = b'{"docs":[{"s":"' + b'\\"' * 500_000 + b'"}]}'
    docs, _ = split(body)
    assert parse_document(docs[0])["s"] == '"' * 500_000
