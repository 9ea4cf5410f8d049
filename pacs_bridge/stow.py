"""DICOMweb STOW-RS (PS3.18 §10.5): store instances in a PACS and read what it says it kept.

The request is ``multipart/related; type="application/dicom"`` (RFC 2387), one Part-10
instance per part, each part headed exactly ``Content-Type: application/dicom`` — Orthanc
silently skips a part with any other header and still answers 200.  The body is streamed
from the object store with a precomputed ``Content-Length`` (no chunked encoding, no
whole-batch buffer).  The answer is a DICOM JSON data set (PS3.18 §F.2): an instance
counts as stored only when it is listed in ReferencedSOPSequence (0008,1199); it failed if
listed in FailedSOPSequence (0008,1198) with a FailureReason (0008,1197); anything sent
and listed nowhere is treated as not stored.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from couch_design_docs.models import Destination
from pacs_bridge.errors import PacsRejected, PacsUnavailable, map_http_errors

REFERENCED_SOP_SEQUENCE = "00081199"
FAILED_SOP_SEQUENCE = "00081198"
REFERENCED_SOP_INSTANCE_UID = "00081155"
REFERENCED_SOP_CLASS_UID = "00081150"
FAILURE_REASON = "00081197"
WARNING_REASON = "00081196"
RETRIEVE_URL = "00081190"

PART_HEADERS = b"Content-Type: application/dicom\r\n\r\n"

# PS3.4 Annex B.2.3 / PS3.18 Table 10.5.3-1: failures worth trying again later.
RETRYABLE_FAILURES = frozenset({0x0110, 0x0212, 0x0213}) | frozenset(range(0xA700, 0xA800))

FAILURE_TEXT = {
    0x0110: "processing failure",
    0x0111: "duplicate SOP instance",
    0x0122: "SOP class not supported",
    0x0124: "not authorized",
    0x0212: "resource limitation",
    0x0213: "resource limitation",
}


def failure_text(code: int | None) -> str:
    if code is None:
        return "no reason given"
    if 0xA700 <= code <= 0xA7FF:
        return "out of resources"
    if 0xA900 <= code <= 0xA9FF:
        return "data set does not match SOP class"
    if 0xC000 <= code <= 0xCFFF:
        return "cannot understand"
    return FAILURE_TEXT.get(code, "refused")


@dataclass(frozen=True)
class Part:
    """One instance to send: its UID, its size, and how to read its bytes."""

    sop_instance_uid: str
    size: int
    open: Callable[[], AsyncIterator[bytes]]


class MultipartWriter:
    """A ``multipart/related`` body with a known length, streamed part by part."""

    def __init__(self, parts: list[Part], boundary: str | None = None) -> None:
        self.parts = parts
        self.boundary = boundary or f"relaypacs-{secrets.token_hex(16)}"

    @property
    def content_type(self) -> str:
        return f'multipart/related; type="application/dicom"; boundary={self.boundary}'

    def _opening(self, index: int) -> bytes:
        lead = b"" if index == 0 else b"\r\n"
        return lead + b"--" + self.boundary.encode() + b"\r\n" + PART_HEADERS

    def _closing(self) -> bytes:
        return b"\r\n--" + self.boundary.encode() + b"--\r\n"

    @property
    def content_length(self) -> int:
        return sum(len(self._opening(i)) + p.size for i, p in enumerate(self.parts)) + len(
            self._closing()
        )

    async def stream(self) -> AsyncIterator[bytes]:
        for index, part in enumerate(self.parts):
            yield self._opening(index)
            sent = 0
            async for data in part.open():
                sent += len(data)
                yield data
            if sent != part.size:
                # the declared length would be wrong: abort rather than send a broken body
                raise PacsUnavailable(
                    "An archived file changed size while being sent; delivery will be retried.",
                    f"{part.sop_instance_uid}: read {sent} bytes, expected {part.size}",
                )
        yield self._closing()

    async def read_all(self) -> bytes:
        """The whole body (unit tests only)."""
        return b"".join([data async for data in self.stream()])


@dataclass
class StowResult:
    """What the PACS said about the instances of one request."""

    referenced: set[str] = field(default_factory=set)
    failed: dict[str, int | None] = field(default_factory=dict)
    warnings: dict[str, int] = field(default_factory=dict)
    unconfirmed: set[str] = field(default_factory=set)  # sent, listed nowhere
    status_code: int = 200

    @property
    def retryable_failures(self) -> dict[str, int | None]:
        return {uid: c for uid, c in self.failed.items() if c in RETRYABLE_FAILURES}


def _first(element: Any) -> Any:
    if isinstance(element, dict):
        values = element.get("Value") or []
        return values[0] if values else None
    return None


def parse_stow_response(body: bytes | str | dict[str, Any] | None, sent: set[str]) -> StowResult:
    """Read a STOW-RS JSON answer and compare it with the UIDs that were ``sent``."""
    data: Any
    if body is None or body in (b"", ""):
        data = {}
    elif isinstance(body, dict):
        data = body
    else:
        try:
            data = json.loads(body)
        except ValueError:
            data = {}
    if isinstance(data, list):  # some servers wrap the data set in an array
        data = data[0] if data and isinstance(data[0], dict) else {}
    if not isinstance(data, dict):
        data = {}
    result = StowResult()
    referenced = (data.get(REFERENCED_SOP_SEQUENCE) or {}).get("Value") or []
    for item in referenced:
        uid = _first(item.get(REFERENCED_SOP_INSTANCE_UID))
        if uid:
            result.referenced.add(str(uid))
            warning = _first(item.get(WARNING_REASON))
            if warning is not None:
                result.warnings[str(uid)] = int(warning)
    failed = (data.get(FAILED_SOP_SEQUENCE) or {}).get("Value") or []
    for item in failed:
        uid = _first(item.get(REFERENCED_SOP_INSTANCE_UID))
        if uid:
            reason = _first(item.get(FAILURE_REASON))
            result.failed[str(uid)] = int(reason) if reason is not None else None
    # a UID both referenced and failed is not trusted as stored
    result.referenced -= set(result.failed)
    # answers about UIDs we did not send are ignored
    result.referenced &= sent
    result.failed = {uid: code for uid, code in result.failed.items() if uid in sent}
    result.unconfirmed = sent - result.referenced - set(result.failed)
    return result


def headers_for(destination: Destination) -> dict[str, str]:
    """The destination's credentials (basic or bearer) as request headers."""
    if destination.auth == "bearer":
        return {"Authorization": f"Bearer {destination.secret or ''}"}
    if destination.auth == "basic":
        basic = aiohttp.encode_basic_auth(destination.username or "", destination.secret or "")
        return {"Authorization": basic}
    return {}


def pacs_session(connections: int = 20) -> aiohttp.ClientSession:
    """The bridge's HTTP client for PACS destinations (aiohttp: the STOW bodies are most of
    the bytes the bridge sends; its C parser spends a fraction of httpx's CPU on them)."""
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=connections),
        skip_auto_headers=("User-Agent",),
    )


def studies_url(destination: Destination) -> str:
    return destination.stow_url.rstrip("/") + "/studies"


async def stow(
    http: aiohttp.ClientSession, destination: Destination, parts: list[Part], *, read_timeout: float
) -> StowResult:
    """POST one batch; return what the PACS confirmed.  Raises Retryable/Final errors."""
    writer = MultipartWriter(parts)
    sent = {p.sop_instance_uid for p in parts}
    headers = {
        "Content-Type": writer.content_type,
        "Content-Length": str(writer.content_length),
        "Accept": "application/dicom+json, application/json",
        **headers_for(destination),
    }
    name = destination.name
    with map_http_errors(name):
        async with http.post(
            studies_url(destination),
            data=writer.stream(),
            headers=headers,
            timeout=aiohttp.ClientTimeout(total=None, connect=5.0, sock_read=read_timeout),
        ) as response:
            code = response.status
            body = await response.read()
    detail = f"POST {studies_url(destination)} -> {code}: {body[:500].decode(errors='replace')}"
    if code in (401, 403):
        raise PacsUnavailable(
            f"The PACS {name} refused the bridge's credentials; an administrator must "
            "check the destination's settings. Delivery will be retried.",
            detail,
            code="pacs_auth",
            destination=name,
        )
    if code in (408, 429) or code >= 500:
        raise PacsUnavailable(
            f"The PACS {name} is busy or down; delivery will be retried.",
            detail,
            destination=name,
        )
    if code in (404, 405, 415):
        raise PacsUnavailable(
            f"The PACS {name} address looks wrong; an administrator must check it. "
            "Delivery will be retried.",
            detail,
            code="pacs_misconfigured",
            destination=name,
        )
    result = parse_stow_response(body, sent)
    result.status_code = code
    if code >= 400 and not result.referenced and not result.failed:
        raise PacsRejected(
            f"The PACS {name} refused the images.",
            detail,
            destination=name,
        )
    return result
