"""The integrity receipt: after delivery, check that the PACS holds the very bytes we sent.

STOW-RS (PS3.18 §10.5) confirms that an instance was stored, not what was stored.  Orthanc
keeps each received file byte for byte and knows its MD5 (``GET /instances/{id}/attachments/
dicom/md5``), so for an ``orthanc`` destination each confirmed instance is compared with the
MD5 of the bytes the clinician sent (computed while assembling; for files archived before
that, of the archived object).  Each batch is checked as soon as the PACS confirmed it.  A
match is recorded in the destination's ``verified`` list (what the clinician's "every
file's checksum matched at the PACS" rests on); a mismatch or a missing instance is final:
the instance counts as failed there, with the reason.  Other kinds of PACS are not checked
(``verified`` stays empty).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from dataclasses import dataclass, field

import aiohttp

from couch_design_docs.models import Destination
from pacs_bridge.errors import PacsUnavailable, map_http_errors
from pacs_bridge.store import ObjectStore
from pacs_bridge.stow import headers_for

CONCURRENCY = 8  # instances checked at once (a lookup and an md5 request each)


@dataclass(frozen=True)
class Sent:
    """What was sent for one instance: the archived object, and its MD5 if known."""

    object_key: str
    md5: str | None = None  # computed at assembly; else the object is read to compute it


@dataclass
class Receipt:
    matched: list[str] = field(default_factory=list)
    mismatched: dict[str, str] = field(default_factory=dict)  # uid -> technical detail


def orthanc_root(destination: Destination) -> str:
    """Orthanc's REST root from its DICOMweb root (``…/dicom-web``)."""
    url = destination.stow_url.rstrip("/")
    return url[: -len("/dicom-web")] if url.endswith("/dicom-web") else url


async def object_md5(store: ObjectStore, key: str) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    async for data in store.iter_bytes(key):
        digest.update(data)
    return digest.hexdigest()


async def verify_orthanc(
    http: aiohttp.ClientSession,
    destination: Destination,
    store: ObjectStore,
    sent: dict[str, Sent],  # by SOP instance UID
) -> Receipt:
    receipt = Receipt()
    if not sent:
        return receipt
    root = orthanc_root(destination)
    headers = headers_for(destination)
    timeout = aiohttp.ClientTimeout(total=None, connect=5.0, sock_read=30.0)

    async def call(method: str, path: str, data: str | None = None) -> tuple[int, bytes]:
        """(status, body); a status of 2xx or a final 4xx, else PacsUnavailable."""
        with map_http_errors(destination.name):
            async with http.request(
                method, root + path, data=data, headers=headers, timeout=timeout
            ) as response:
                status, body = response.status, await response.read()
        if status >= 500 or status in (401, 403, 408, 429):
            raise PacsUnavailable(
                f"The PACS {destination.name} could not confirm the checksums yet; "
                "it will be asked again.",
                f"{method} {path} -> {status}",
                code="pacs_receipt",
                destination=destination.name,
            )
        return status, body

    def listed(answer: tuple[int, bytes]) -> list:
        status, body = answer
        if not 200 <= status < 300:
            return []
        data = json.loads(body)
        return data if isinstance(data, list) else []

    limit = asyncio.Semaphore(CONCURRENCY)

    async def check(uid: str, what: Sent) -> None:
        async with limit:
            # each instance by its own UID: listing the study's instances for every batch
            # grew with the study (a 2,000-file study spent more time listing than sending)
            found = listed(await call("POST", "/tools/lookup", data=uid))
            ids = [i["ID"] for i in found if i.get("Type") == "Instance" and "ID" in i]
            if not ids:
                receipt.mismatched[uid] = "instance not found at the PACS after it confirmed it"
                return
            status, body = await call("GET", f"/instances/{ids[0]}/attachments/dicom/md5")
            md5 = what.md5 or await object_md5(store, what.object_key)
        held = body.decode(errors="replace").strip().strip('"') if 200 <= status < 300 else ""
        if held == md5:
            receipt.matched.append(uid)
        else:
            receipt.mismatched[uid] = f"md5 sent {md5}, held by the PACS {held or '?'}"

    await asyncio.gather(*(check(uid, what) for uid, what in sent.items()))
    receipt.matched.sort(key=list(sent).index)
    return receipt
