"""The STOW-RS request body: multipart/related (RFC 2387) as Orthanc and PS3.18 want it."""

from __future__ import annotations

import email.parser
import email.policy

import pytest

from pacs_bridge.errors import PacsUnavailable
from pacs_bridge.stow import MultipartWriter, Part


def part(uid: str, data: bytes, pieces: int = 3) -> Part:
    async def chunks():
        step = max(1, len(data) // pieces)
        for start in range(0, len(data), step):
            yield data[start : start + step]

    return Part(uid, len(data), chunks)


async def test_body_parses_back_and_length_is_exact():
    payloads = {"1.1": b"\x00DICM" * 100 + b"\r\n--x", "1.2": bytes(range(256)) * 7}
    writer = MultipartWriter([part(uid, data) for uid, data in payloads.items()])
    body = await writer.read_all()
    assert len(body) == writer.content_length
    assert writer.content_type.startswith('multipart/related; type="application/dicom"; boundary=')

    raw = f"Content-Type: {writer.content_type}\r\n\r\n".encode() + body
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(raw)
    parts = list(message.iter_parts())
    assert [p.get_payload(decode=True) for p in parts] == list(payloads.values())
    # each part is headed exactly "Content-Type: application/dicom" and nothing else
    assert all(list(p.items()) == [("Content-Type", "application/dicom")] for p in parts)


async def test_exact_layout():
    writer = MultipartWriter([part("1", b"AB"), part("2", b"C")], boundary="BB")
    body = await writer.read_all()
    assert body == (
        b"--BB\r\nContent-Type: application/dicom\r\n\r\nAB"
        b"\r\n--BB\r\nContent-Type: application/dicom\r\n\r\nC"
        b"\r\n--BB--\r\n"
    )


async def test_a_part_shorter_than_declared_aborts_the_body():
    async def short():
        yield b"abc"

    writer = MultipartWriter([Part("1", 10, short)])
    with pytest.raises(PacsUnavailable):
        await writer.read_all()


def test_boundaries_are_random():
    assert MultipartWriter([]).boundary != MultipartWriter([]).boundary


def test_destination_auth_headers():
    from couch_design_docs.models import Destination
    from pacs_bridge.stow import headers_for, studies_url

    bearer = Destination(name="d", stow_url="http://pacs/dicom-web/", auth="bearer", secret="t0k")
    assert headers_for(bearer) == {"Authorization": "Bearer t0k"}
    assert studies_url(bearer) == "http://pacs/dicom-web/studies"
    basic = Destination(name="d", stow_url="http://p", auth="basic", username="u", secret="s")
    assert headers_for(basic) == {"Authorization": "Basic dTpz"}  # base64("u:s")
    none = Destination(name="d", stow_url="http://p", auth="none")
    assert headers_for(none) == {}
