"""A ``_bulk_docs`` body cut into its documents as it arrives.

A replication batch is ``{"docs": [doc, doc, ...], "new_edits": false}``, ~14 MB when it
carries ten 1 MiB chunks.  Checked only once it has all arrived, the batch waits for its
whole upload and then for every check in turn, and CouchDB sits idle meanwhile; cut into
its documents while the bytes come in, each document is parsed and checked as soon as it
is complete, and the batch is ready to go on almost as soon as its last byte is in.

The cut is found by a scanner that only tracks strings and nesting, jumping over string
contents with ``bytes.find`` (a base64 attachment is one long string).  It decides nothing
by itself: every document it yields is then parsed by :func:`json.loads` on its own, and
the rest of the body (the ``docs`` array emptied) as well, so a body the scanner misreads
fails to parse and is refused.  What the gateway forwards is rebuilt by
the forwarding code from documents that each parsed and passed, byte for byte.

:func:`json.loads` reads a string one character at a time (~1.3-2.3 ms for a 1 MiB
chunk's base64, holding the GIL while the upload waits for the event loop).  So the scanner
also notes each long string without escapes, and :func:`parse_document` parses the document
with those strings lifted out and puts each back — only when its bytes are valid base64,
whose JSON value is exactly its ASCII text; any other document is parsed whole.  An
attachment's ``data`` goes back decoded (:class:`DecodedBase64`, what the chunk check
needs), any other long string as the string it is.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from typing import Any

import pybase64

from sync_gateway.access.policy import DecodedBase64

# outside strings, the characters that matter; whitespace and literals are skipped
_STRUCTURE = re.compile(rb'[",:{}\[\]]')
# a string's content up to its closing quote, escapes included (possessive: ~100 MB/s
# however the escapes are arranged)
_STRING_CONTENT = re.compile(rb'[^"\\]*+(?:\\.[^"\\]*+)*+', re.DOTALL)
_QUOTE, _BACKSLASH, _COMMA, _OPEN_ARRAY, _CLOSE_ARRAY = b'"', b"\\", 44, 91, 93
_OPENING, _CLOSING = frozenset(b"{["), frozenset(b"}]")


# a string at least this long, without escapes, is lifted out of json.loads' way
LONG_STRING = 16 * 1024


class MalformedBatch(ValueError):
    """The body is not ``{"docs": [{...}, ...], ...}`` JSON."""


@dataclass(frozen=True, slots=True)
class RawDocument:
    """One element of ``docs`` as the client sent it, and where its long strings are."""

    raw: bytes
    # (start, end) of the contents of each long string without escapes, quotes excluded
    long_strings: tuple[tuple[int, int], ...] = ()


class BatchSplitter:
    """Feed the body piece by piece; get each element of ``docs`` once it is complete.

    Only the element being read and the body outside ``docs`` are kept, so memory is one
    document plus whatever the caller holds on to.
    """

    def __init__(self) -> None:
        self._buf = bytearray()
        self._offset = 0  # absolute position of _buf[0]
        self._pos = 0  # absolute position the scan goes on from
        self._depth = 0
        self._key: bytes | None = None  # the top-level member being read
        self._expect_key = False
        self._string: int | None = None  # absolute position of an open string's quote
        self._string_scan = 0
        self._string_plain = True  # no escape seen in the open string
        self._long_strings: list[tuple[int, int]] = []  # absolute, in the current element
        self._in_docs = False
        self._head: bytes | None = None  # the body before the docs array
        self._tail = 0  # absolute position just past the docs array
        self._element: int | None = None  # absolute start of the element being read
        self._separator = 0  # just past the "[" or "," before it
        self._after_comma = False

    def feed(self, piece: bytes) -> list[RawDocument]:
        """Take the next piece of the body; the elements of ``docs`` it completed."""
        self._buf += piece
        done: list[RawDocument] = []
        self._scan(done)
        if self._in_docs:  # drop what has been handed out (keep the element being read)
            keep = self._element if self._element is not None else self._pos
            del self._buf[: keep - self._offset]
            self._offset = keep
        return done

    def finish(self) -> dict[str, Any]:
        """Once the body is all in: the other top-level members (``new_edits``, ...)."""
        if self._string is not None or self._depth != 0 or self._in_docs:
            raise MalformedBatch("the request body is not valid JSON (it ends too soon)")
        if self._head is None:
            raise MalformedBatch('_bulk_docs needs {"docs": [...]}')
        rest = self._head + b"[]" + bytes(self._buf[self._tail - self._offset :])
        try:
            top = json.loads(rest)
        except ValueError as exc:
            raise MalformedBatch("the request body is not valid JSON") from exc
        if not isinstance(top, dict) or top.get("docs") != []:
            raise MalformedBatch('_bulk_docs needs {"docs": [...]}')
        del top["docs"]
        return top

    # -- the scanner ----------------------------------------------------------------------

    def _at(self, position: int) -> int:
        return position - self._offset

    def _scan(self, done: list[RawDocument]) -> None:
        buf = self._buf
        while True:
            if self._string is not None and not self._close_string():
                return  # the string goes on in the next piece
            match = _STRUCTURE.search(buf, self._at(self._pos))
            if match is None:
                self._pos = self._offset + len(buf)
                return
            at = match.start() + self._offset
            char = buf[match.start()]
            self._pos = at + 1
            element_starts = self._in_docs and self._depth == 2 and self._element is None
            if element_starts and char not in (_COMMA, _CLOSE_ARRAY):
                self._start_element(at)
            if char == 34:  # "
                self._string, self._string_scan, self._string_plain = at, at + 1, True
            elif char in _OPENING:
                self._open(at, char)
            elif char in _CLOSING:
                self._close(at, done)
            elif char == _COMMA:
                self._comma(at, done)

    def _close_string(self) -> bool:
        assert self._string is not None
        buf = self._buf
        scan = self._at(self._string_scan)
        quote = buf.find(_QUOTE, scan)
        escape = buf.find(_BACKSLASH, scan, quote if quote >= 0 else len(buf))
        if escape >= 0:
            self._string_plain = False
            # escapes: let the regex engine step over them (in C, whatever their number)
            scan = _STRING_CONTENT.match(buf, escape).end()  # type: ignore[union-attr]
            quote = scan if scan < len(buf) and buf[scan] == 34 else -1
        elif quote < 0:
            scan = len(buf)
        if quote < 0:
            # the string goes on in the next piece (an escape cut in two is read again)
            self._string_scan = self._offset + scan
            return False
        if self._depth == 1 and self._expect_key:
            self._key = bytes(buf[self._at(self._string) + 1 : quote])
            self._expect_key = False
        end = self._offset + quote
        if (
            self._element is not None
            and self._string_plain
            and end - self._string - 1 >= LONG_STRING
        ):
            self._long_strings.append((self._string + 1, end))
        self._string = None
        self._pos = self._offset + quote + 1
        return True

    def _start_element(self, at: int) -> None:
        # an element starts with its first structural character: anything before it (a
        # literal, junk) is refused, as json.loads would
        if bytes(self._buf[self._at(self._separator) : self._at(at)]).strip():
            raise MalformedBatch("every element of docs must be a JSON object")
        self._element, self._after_comma = at, False

    def _open(self, at: int, char: int) -> None:
        self._depth += 1
        if self._depth == 1:
            self._expect_key = True
        elif self._depth == 2 and self._key == b"docs" and char == _OPEN_ARRAY:
            if self._head is not None:
                raise MalformedBatch("docs is given twice")
            self._head = bytes(self._buf[: self._at(at)])
            self._in_docs, self._element, self._separator = True, None, at + 1

    def _close(self, at: int, done: list[RawDocument]) -> None:
        if self._depth == 2 and self._in_docs:
            if self._element is not None:
                done.append(self._take(at))
            elif (
                self._after_comma
                or bytes(self._buf[self._at(self._separator) : self._at(at)]).strip()
            ):
                raise MalformedBatch("every element of docs must be a JSON object")
            self._in_docs, self._tail = False, at + 1
        self._depth -= 1
        if self._depth < 0:
            raise MalformedBatch("the request body is not valid JSON")

    def _comma(self, at: int, done: list[RawDocument]) -> None:
        if self._depth == 1:
            self._expect_key = True
        elif self._depth == 2 and self._in_docs:
            if self._element is None:
                raise MalformedBatch("every element of docs must be a JSON object")
            done.append(self._take(at))
            self._separator, self._after_comma = at + 1, True

    def _take(self, end: int) -> RawDocument:
        assert self._element is not None
        start = self._element
        with memoryview(self._buf) as view:  # one copy, not two (slice, then bytes)
            element = bytes(view[self._at(start) : self._at(end)])
        spans = tuple((a - start, b - start) for a, b in self._long_strings)
        self._element, self._long_strings = None, []
        return RawDocument(element.rstrip(b" \t\r\n"), spans)


def parse_document(document: RawDocument) -> Any:
    """The document as :func:`json.loads` reads it (long base64 strings put back whole)."""
    if document.long_strings:
        parsed = _parse_lifted(document)
        if parsed is not None:
            return parsed
    try:
        return json.loads(document.raw)
    except ValueError as exc:
        raise MalformedBatch("a document in the batch is not valid JSON") from exc


def _parse_lifted(document: RawDocument) -> Any:
    """Parse with each long string replaced by a marker, then put back; None: parse whole.

    A marker is a NUL escape and a random nonce: no string the client sent can equal it
    without guessing the nonce.  A string goes back only if its bytes are valid base64 (an
    alphabet without quotes, backslashes or control characters, so its JSON value is its
    text); a marker left over (a long key, a string that is not base64) means parse whole.
    """
    raw, nonce = document.raw, secrets.token_hex(8)
    pieces: list[bytes] = []
    lifted: dict[str, Lifted] = {}
    at = 0
    with memoryview(raw) as view:
        for index, (start, end) in enumerate(document.long_strings):
            try:
                decoded = pybase64.b64decode(view[start:end], validate=True)
            except ValueError:
                return None
            pieces += (view[at:start], f"\\u0000{nonce}.{index}".encode())
            lifted[f"\x00{nonce}.{index}"] = Lifted(raw, start, end, decoded)
            at = end
        pieces.append(view[at:])
        try:
            doc = json.loads(b"".join(pieces))
        except ValueError:
            return None
    if not isinstance(doc, dict):
        return None
    restored = _restore_attachments(doc, lifted) + _restore(doc, lifted)
    return doc if restored == len(lifted) else None


@dataclass(frozen=True, slots=True)
class Lifted:
    raw: bytes
    start: int
    end: int
    decoded: bytes

    def text(self) -> str:
        return self.raw[self.start : self.end].decode("ascii")

    def attachment_data(self) -> DecodedBase64:
        return DecodedBase64(self.end - self.start, self.decoded)


def _restore_attachments(doc: dict[str, Any], lifted: dict[str, Lifted]) -> int:
    """Put back ``_attachments.*.data`` decoded; how many were."""
    count = 0
    attachments = doc.get("_attachments")
    for att in attachments.values() if isinstance(attachments, dict) else ():
        data = att.get("data") if isinstance(att, dict) else None
        if isinstance(data, str) and data in lifted:
            att["data"] = lifted[data].attachment_data()
            count += 1
    return count


def _restore(value: Any, lifted: dict[str, Lifted]) -> int:
    """Put the other lifted strings back as strings in place of their markers; how many."""
    count = 0
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, item in items:
        if isinstance(item, str):
            if item in lifted:
                value[key] = lifted[item].text()
                count += 1
        elif isinstance(item, (dict, list)):
            count += _restore(item, lifted)
    return count


def split(body: bytes) -> tuple[list[RawDocument], dict[str, Any]]:
    """The elements of ``docs`` and the other members of a whole body."""
    splitter = BatchSplitter()
    elements = splitter.feed(body)
    return elements, splitter.finish()


OPENING = b'{"docs":['


def closing(options: dict[str, Any]) -> bytes:
    """What ends a ``_bulk_docs`` body after its documents: the other members."""
    members = b"".join(
        b"," + json.dumps(k).encode() + b":" + json.dumps(v).encode() for k, v in options.items()
    )
    return b"]" + members + b"}"


def bulk_body(docs: list[bytes], options: dict[str, Any]) -> list[bytes]:
    """A ``_bulk_docs`` body with these documents, byte for byte, and the options, in
    pieces to send one after the other (joining ~14 MB would copy it once more)."""
    pieces = [OPENING]
    for index, doc in enumerate(docs):
        pieces += (b",", doc) if index else (doc,)
    return [*pieces, closing(options)]
