"""Async CouchDB client (aiohttp) shared by the gateway, the bridge and the tools."""

from relaypacs.couch.client import Change, CouchClient, Database, quote_id
from relaypacs.couch.errors import (
    Conflict,
    CouchError,
    CouchHTTPError,
    CouchUnavailable,
    Forbidden,
    NotFound,
    PreconditionFailed,
    Unauthorized,
)

__all__ = [
    "Change",
    "Conflict",
    "CouchClient",
    "CouchError",
    "CouchHTTPError",
    "CouchUnavailable",
    "Database",
    "Forbidden",
    "NotFound",
    "PreconditionFailed",
    "Unauthorized",
    "quote_id",
]
