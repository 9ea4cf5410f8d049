"""An async CouchDB 3 client over aiohttp (the connection pool is :mod:`.streams`).

It speaks the documented CouchDB HTTP API (https://docs.couchdb.org/en/stable/api/) and
nothing else, so it works the same against Apache CouchDB and the PouchDB-Server stand-in
used on single machines.  Attachments stream in both directions; the changes feed is an
async iterator that reconnects after a server restart and resumes from the last sequence
it handed out (see :meth:`Database.follow`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import aiohttp

from relaypacs.couch.errors import (
    Conflict,
    CouchHTTPError,
    CouchUnavailable,
    NotFound,
    PreconditionFailed,
    error_for_body,
)
from relaypacs.couch.streams import ByteStreams, StreamedResponse
from relaypacs.types import Doc, DocId, Rev, Seq

log = logging.getLogger(__name__)

JSON_HEADERS = {"Accept": "application/json", "Content-Type": "application/json"}


def quote_id(doc_id: DocId) -> str:
    """Quote a document id for a URL path; design and local docs keep their prefix slash."""
    for prefix in ("_design/", "_local/"):
        if doc_id.startswith(prefix):
            return prefix + quote(doc_id[len(prefix) :], safe="")
    return quote(doc_id, safe="")


@dataclass(frozen=True)
class Change:
    """One row of the changes feed."""

    seq: Seq
    id: DocId
    revs: list[Rev]
    deleted: bool = False
    doc: Doc | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Change:
        return cls(
            seq=row["seq"],
            id=row["id"],
            revs=[c["rev"] for c in row.get("changes", [])],
            deleted=bool(row.get("deleted", False)),
            doc=row.get("doc"),
            raw=row,
        )


@dataclass(frozen=True)
class CouchResponse:
    """A CouchDB answer read whole (the JSON API's answers are small)."""

    status_code: int
    headers: Mapping[str, str]
    content: bytes

    def json(self) -> Any:
        return json.loads(self.content)


# what the transport raises when CouchDB cannot be reached or does not answer in time
TRANSPORT_ERRORS = (aiohttp.ClientError, TimeoutError)


class CouchClient:
    """Connection to one CouchDB server with one set of credentials."""

    def __init__(
        self,
        url: str,
        user: str | None = None,
        password: str | None = None,
        *,
        timeout: float = 30.0,
        max_connections: int = 50,
    ) -> None:
        self.url = url.rstrip("/")
        # one aiohttp pool for everything: JSON, attachments, the gateway's proxied bodies
        self.streams = ByteStreams(
            self.url, user, password, timeout=timeout, max_connections=max_connections
        )

    async def aclose(self) -> None:
        await self.streams.aclose()

    async def __aenter__(self) -> CouchClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def db(self, name: str) -> Database:
        return Database(self, name)

    async def request(self, method: str, path: str, **kwargs: Any) -> CouchResponse:
        """Send one request and read its answer (``params``, ``content`` and ``headers`` as
        for :meth:`stream`); transport failures and error statuses raise CouchError."""
        async with self.stream(method, path, **kwargs) as response:
            body = await response.aread()
        return CouchResponse(response.status_code, response.headers, body)

    async def json(self, method: str, path: str, **kwargs: Any) -> Any:
        if "json" in kwargs:
            body = kwargs.pop("json")
            kwargs["content"] = json.dumps(body).encode()
            kwargs["headers"] = {**kwargs.get("headers", {}), **JSON_HEADERS}
        response = await self.request(method, path, **kwargs)
        return response.json()

    @asynccontextmanager
    async def stream(
        self,
        method: str,
        path: str,
        *,
        params: Any = None,
        content: bytes | AsyncIterable[bytes] | None = None,
        headers: Mapping[str, str] | None = None,
        read_timeout: float | None = None,
    ) -> AsyncIterator[StreamedResponse]:
        """A response whose body is read as it comes (attachments, continuous feeds)."""
        where = f"{method} {path.split('?')[0]}"
        try:
            response = await self.streams.send(
                method,
                path,
                params=params,
                headers={"Accept": "application/json", **(headers or {})},
                content=content,
                read_timeout=read_timeout,
            )
        except TRANSPORT_ERRORS as exc:
            raise CouchUnavailable(f"{where}: {exc!r}") from exc
        try:
            if response.status_code >= 400:
                raise error_for_body(response.status_code, await response.aread())
            yield response
        except TRANSPORT_ERRORS as exc:  # while the caller read it
            raise CouchUnavailable(f"{where}: {exc!r}") from exc
        finally:
            await response.aclose()

    async def server_info(self) -> dict[str, Any]:
        return await self.json("GET", "/")

    async def all_dbs(self) -> list[str]:
        return await self.json("GET", "/_all_dbs")


class Database:
    """One database on a :class:`CouchClient`."""

    def __init__(self, client: CouchClient, name: str) -> None:
        self.client = client
        self.name = name
        self.path = "/" + quote(name, safe="")

    def __repr__(self) -> str:
        return f"Database({self.name!r})"

    # -- database ---------------------------------------------------------------------------

    async def info(self) -> dict[str, Any]:
        return await self.client.json("GET", self.path)

    async def exists(self) -> bool:
        try:
            await self.info()
        except NotFound:
            return False
        return True

    async def create(self, *, exist_ok: bool = True) -> bool:
        """Create the database; return False if it already existed (and exist_ok)."""
        try:
            await self.client.json("PUT", self.path)
        except PreconditionFailed:
            if not exist_ok:
                raise
            return False
        return True

    async def destroy(self, *, missing_ok: bool = True) -> None:
        try:
            await self.client.json("DELETE", self.path)
        except NotFound:
            if not missing_ok:
                raise

    async def get_security(self) -> dict[str, Any]:
        return await self.client.json("GET", f"{self.path}/_security")

    async def put_security(self, security: dict[str, Any]) -> None:
        await self.client.json("PUT", f"{self.path}/_security", json=security)

    async def compact(self) -> None:
        await self.client.json("POST", f"{self.path}/_compact", json={})

    # -- documents --------------------------------------------------------------------------

    def doc_path(self, doc_id: DocId) -> str:
        return f"{self.path}/{quote_id(doc_id)}"

    async def get(self, doc_id: DocId, **params: Any) -> Doc:
        return await self.client.json("GET", self.doc_path(doc_id), params=_params(params))

    async def get_or_none(self, doc_id: DocId, **params: Any) -> Doc | None:
        try:
            return await self.get(doc_id, **params)
        except NotFound:
            return None

    async def put(self, doc: Doc, **params: Any) -> Rev:
        """PUT a document (with ``_rev`` to update); sets ``doc['_rev']`` and returns it."""
        result = await self.client.json(
            "PUT", self.doc_path(doc["_id"]), json=doc, params=_params(params)
        )
        doc["_rev"] = result["rev"]
        return result["rev"]

    async def delete(self, doc_id: DocId, rev: Rev) -> Rev:
        result = await self.client.json("DELETE", self.doc_path(doc_id), params={"rev": rev})
        return result["rev"]

    async def update(
        self,
        doc_id: DocId,
        change: Callable[[Doc | None], Doc | None],
        *,
        attempts: int = 10,
    ) -> Doc | None:
        """Read-modify-write with conflict retry.

        ``change`` receives the current document (or None) and returns the new body, or
        None to leave it as it is.  It may be called more than once.
        """
        for attempt in range(attempts):
            current = await self.get_or_none(doc_id)
            new = change(None if current is None else dict(current))
            if new is None:
                return current
            new["_id"] = doc_id
            if current is not None:
                new["_rev"] = current["_rev"]
            else:
                new.pop("_rev", None)
            try:
                await self.put(new)
            except Conflict:
                await asyncio.sleep(random.uniform(0, 0.05 * (attempt + 1)))
                continue
            return new
        raise Conflict(409, "conflict", f"{doc_id}: gave up after {attempts} attempts")

    async def bulk_docs(self, docs: list[Doc], *, new_edits: bool = True) -> list[dict[str, Any]]:
        body: dict[str, Any] = {"docs": docs}
        if not new_edits:
            body["new_edits"] = False
        return await self.client.json("POST", f"{self.path}/_bulk_docs", json=body)

    async def all_docs(self, *, keys: list[DocId] | None = None, **params: Any) -> dict[str, Any]:
        if keys is not None:
            return await self.client.json(
                "POST", f"{self.path}/_all_docs", params=_params(params), json={"keys": keys}
            )
        return await self.client.json("GET", f"{self.path}/_all_docs", params=_params(params))

    async def ids_with_prefix(self, prefix: str, *, include_docs: bool = False) -> list[dict]:
        result = await self.all_docs(
            startkey=prefix, endkey=prefix + "\ufff0", include_docs=include_docs
        )
        return result["rows"]

    async def view(self, ddoc: str, view: str, **params: Any) -> dict[str, Any]:
        path = f"{self.path}/_design/{quote(ddoc, safe='')}/_view/{quote(view, safe='')}"
        keys = params.pop("keys", None)
        if keys is not None:
            return await self.client.json("POST", path, params=_params(params), json={"keys": keys})
        return await self.client.json("GET", path, params=_params(params))

    async def find(self, selector: dict[str, Any], **options: Any) -> list[Doc]:
        result = await self.client.json(
            "POST", f"{self.path}/_find", json={"selector": selector, **options}
        )
        return result["docs"]

    # -- _local checkpoints -----------------------------------------------------------------

    async def get_local(self, local_id: str) -> Doc | None:
        return await self.get_or_none(f"_local/{local_id}")

    async def put_local(self, local_id: str, body: Doc) -> Rev:
        doc = {**body, "_id": f"_local/{local_id}"}
        return await self.put(doc)

    # -- attachments ------------------------------------------------------------------------

    async def put_attachment(
        self,
        doc_id: DocId,
        name: str,
        content: bytes | AsyncIterable[bytes],
        *,
        rev: Rev | None = None,
        content_type: str = "application/octet-stream",
    ) -> Rev:
        """Upload an attachment as a standalone binary PUT (streams an async iterable)."""
        params = {"rev": rev} if rev else {}
        result = await self.client.json(
            "PUT",
            f"{self.doc_path(doc_id)}/{quote(name, safe='')}",
            params=params,
            content=content,
            headers={"Content-Type": content_type, "Accept": "application/json"},
        )
        return result["rev"]

    @asynccontextmanager
    async def open_attachment(
        self, doc_id: DocId, name: str, *, rev: Rev | None = None
    ) -> AsyncIterator[StreamedResponse]:
        """Stream an attachment: ``async with db.open_attachment(..) as r: r.aiter_bytes()``."""
        async with self.client.stream(
            "GET",
            f"{self.doc_path(doc_id)}/{quote(name, safe='')}",
            params={"rev": rev} if rev else None,
            headers={"Accept": "*/*"},
        ) as response:
            yield response

    async def get_attachment(self, doc_id: DocId, name: str, *, rev: Rev | None = None) -> bytes:
        async with self.open_attachment(doc_id, name, rev=rev) as response:
            return await response.aread()

    # -- changes ----------------------------------------------------------------------------

    async def changes(self, *, since: Seq = 0, **params: Any) -> dict[str, Any]:
        """One-shot (``feed=normal`` or ``longpoll``) changes request."""
        selector = params.pop("selector", None)
        params = _params({"since": since, **params})
        if selector is not None:
            params["filter"] = "_selector"
            return await self.client.json(
                "POST", f"{self.path}/_changes", params=params, json={"selector": selector}
            )
        return await self.client.json("GET", f"{self.path}/_changes", params=params)

    async def follow(
        self,
        *,
        since: Seq = 0,
        include_docs: bool = False,
        selector: dict[str, Any] | None = None,
        filter: str | None = None,
        heartbeat_ms: int = 10_000,
        reconnect: bool = True,
        max_backoff: float = 10.0,
        on_disconnect: Callable[[Exception], Awaitable[None] | None] | None = None,
    ) -> AsyncIterator[Change]:
        """Follow the continuous changes feed from ``since``, forever.

        Yields every change after ``since`` once per connection.  When the connection drops
        (server restart, network loss) and ``reconnect`` is true it reconnects from the
        sequence of the last change it yielded, with capped exponential backoff, so callers
        that checkpoint the ``seq`` of each change they finished never lose one.  Heartbeats
        keep the read timeout from firing on an idle feed.
        """
        last_seq: Seq = since
        backoff = 0.2
        while True:
            params: dict[str, Any] = {
                "feed": "continuous",
                "since": last_seq,
                "heartbeat": heartbeat_ms,
            }
            if include_docs:
                params["include_docs"] = "true"
            if filter:
                params["filter"] = filter
            kwargs: dict[str, Any] = {"params": params, "read_timeout": heartbeat_ms / 1000 * 3}
            method = "GET"
            if selector is not None:
                method = "POST"
                params["filter"] = "_selector"
                kwargs["content"] = json.dumps({"selector": selector}).encode()
                kwargs["headers"] = JSON_HEADERS
            try:
                async with self.client.stream(method, f"{self.path}/_changes", **kwargs) as resp:
                    backoff = 0.2
                    async for line in resp.aiter_lines():
                        if not line.strip():
                            continue  # heartbeat
                        row = json.loads(line)
                        if "last_seq" in row and "id" not in row:
                            last_seq = row["last_seq"]
                            break
                        if "id" not in row:
                            continue
                        change = Change.from_row(row)
                        last_seq = change.seq
                        yield change
            except (CouchUnavailable, *TRANSPORT_ERRORS, json.JSONDecodeError) as exc:
                if not reconnect:
                    raise
                log.info("changes feed of %s dropped (%s); reconnecting", self.name, type(exc))
                if on_disconnect is not None:
                    result = on_disconnect(exc)
                    if asyncio.iscoroutine(result):
                        await result
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, max_backoff)
            except CouchHTTPError:
                raise


def _params(params: dict[str, Any]) -> dict[str, Any]:
    """Encode query parameters the way CouchDB wants them: JSON for keys, lowercase bools."""
    out: dict[str, Any] = {}
    for key, value in params.items():
        if value is None:
            continue
        if key in ("key", "keys", "startkey", "endkey", "start_key", "end_key"):
            out[key] = json.dumps(value)
        elif isinstance(value, bool):
            out[key] = "true" if value else "false"
        else:
            out[key] = value
    return out
