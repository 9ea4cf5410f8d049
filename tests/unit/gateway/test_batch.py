"""The _bulk_docs splitter: what it yields is what json.loads sees, however the body is cut."""

from __future__ import annotations

import base64
import json
import random

import pytest

from sync_gateway.access.policy import DecodedBase64
from sync_gateway.proxy import batch
from sync_gateway.proxy.batch import (
    LONG_STRING,
    BatchSplitter,
    MalformedBatch,
    RawDocument,
    bulk_body,
    parse_document,
    split,
)


def plain(value: object) -> object:
    """A parsed document as json.loads has it: lifted attachment data back as base64 text."""
    if isinstance(value, DecodedBase64):
        return base64.b64encode(value.decoded).decode()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def _long_string(rng: random.Random) -> str:
    """Mostly long base64 (lifted out of json.loads), sometimes long text that is not."""
    size = rng.choice([LONG_STRING - 1, LONG_STRING, 3 * LONG_STRING])
    kind = rng.random()
    if kind < 0.6:
        return base64.b64encode(rng.randbytes(size))[:size].decode()
    if kind < 0.8:
        return "A" * (size - 1) + rng.choice(["\n", "é", "\x01", '"', "\\", "/", "="])
    return "x" * size


def _doc(rng: random.Random) -> dict:
    doc = {
        "_id": f'chunk:{rng.random()}"\\x',
        "nested": [1, {"tricky": ']}[{,:"'}, None, True],
        "escapes": '\\"' * rng.randint(0, 3) + "\\",
        "data": base64.b64encode(rng.randbytes(rng.randint(0, 400))).decode(),
        "unicode": "é\u2028☃",
    }
    if rng.random() < 0.4:
        doc["_attachments"] = {"data": {"data": _long_string(rng)}}
        doc["nested"][1]["more"] = [_long_string(rng) for _ in range(rng.randint(0, 2))]
    return doc


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
    assert [plain(parse_document(d)) for d in docs] == payload["docs"]
    assert options == {k: v for k, v in payload.items() if k != "docs"}
    rebuilt = json.loads(b"".join(bulk_body([d.raw for d in docs], options)))
    assert rebuilt == {"docs": payload["docs"], **options}


def test_documents_are_forwarded_byte_for_byte() -> None:
    body = b' { "docs" : [ {"a" :1} , {"b":[2]}\n] , "new_edits" : false } '
    docs, options = split(body)
    assert [d.raw for d in docs] == [b'{"a" :1}', b'{"b":[2]}']
    assert options == {"new_edits": False}
    assert (
        b"".join(bulk_body([d.raw for d in docs], options))
        == b'{"docs":[{"a" :1},{"b":[2]}],"new_edits":false}'
    )


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
        assert [d.raw for d in splitter.feed(big + b",")] == [big]
        assert len(splitter._buf) < 2 * len(big)
    splitter.feed(big + b"]}")
    assert splitter.finish() == {}


def test_a_string_full_of_escapes_is_stepped_over_in_c() -> None:
    body = b'{"docs":[{"s":"' + b'\\"' * 500_000 + b'"}]}'
    docs, _ = split(body)
    assert parse_document(docs[0])["s"] == '"' * 500_000


def test_long_base64_strings_are_noted_and_put_back_from_their_bytes() -> None:
    data = base64.b64encode(bytes(range(256)) * 200).decode()
    body = json.dumps({"docs": [{"_id": "c", "_attachments": {"data": {"data": data}}}]})
    (doc,), _ = split(body.encode())
    ((start, end),) = doc.long_strings
    assert doc.raw[start:end].decode() == data
    parsed = batch._parse_lifted(doc)  # not parsed whole
    assert parsed is not None
    lifted = parsed["_attachments"]["data"]["data"]
    assert lifted == DecodedBase64(len(data), bytes(range(256)) * 200)
    assert plain(parse_document(doc)) == {"_id": "c", "_attachments": {"data": {"data": data}}}


def test_a_long_base64_string_elsewhere_goes_back_as_the_string_it_is() -> None:
    data = base64.b64encode(bytes(range(256)) * 200).decode()
    body = json.dumps({"docs": [{"_id": "c", "thumbnail": [data]}]}).encode()
    (doc,), _ = split(body)
    assert batch._parse_lifted(doc) == {"_id": "c", "thumbnail": [data]}


@pytest.mark.parametrize(
    "value",
    [
        "A" * LONG_STRING + "\u0001",  # a control character json.loads refuses raw
        "A" * LONG_STRING + "é",
        "A" * LONG_STRING + "==AA",  # padding in the middle: not base64
    ],
)
def test_a_long_string_that_is_not_base64_is_left_to_json_loads(value: str) -> None:
    raw = b'{"s":"' + value.encode() + b'"}'
    document = RawDocument(raw, ((6, len(raw) - 2),))
    try:
        expected = json.loads(raw)
    except ValueError:
        with pytest.raises(MalformedBatch):
            parse_document(document)
    else:
        assert parse_document(document) == expected


def test_a_string_equal_to_a_marker_without_its_nonce_stays_what_it_is() -> None:
    data = "B" * LONG_STRING
    body = json.dumps({"docs": [{"a": data, "b": "\x00" + "0" * 16 + ".0"}]}).encode()
    (doc,), _ = split(body)
    assert parse_document(doc) == {"a": data, "b": "\x00" + "0" * 16 + ".0"}


def test_a_long_key_is_parsed_whole() -> None:
    key = "K" * LONG_STRING
    (doc,), _ = split(json.dumps({"docs": [{key: 1}]}).encode())
    assert parse_document(doc) == {key: 1}
