"""Exceptions raised by the CouchDB client.

CouchError
 ├── CouchHTTPError        the server answered with an error status (has .status, .error, .reason)
 │    ├── NotFound          404 not_found
 │    ├── Conflict          409 conflict (document update conflict)
 │    ├── PreconditionFailed 412 (database exists, bad rev)
 │    ├── Unauthorized      401
 │    └── Forbidden         403 (validate_doc_update refused: reason says why)
 └── CouchUnavailable       no answer: connection refused, reset or timed out
"""

from __future__ import annotations

import json


class CouchError(Exception):
    """Base of every error the CouchDB client raises."""


class CouchUnavailable(CouchError):
    """The server could not be reached or did not answer in time."""


class CouchHTTPError(CouchError):
    def __init__(self, status: int, error: str, reason: str) -> None:
        super().__init__(f"{status} {error}: {reason}")
        self.status = status
        self.error = error
        self.reason = reason


class NotFound(CouchHTTPError):
    pass


class Conflict(CouchHTTPError):
    pass


class PreconditionFailed(CouchHTTPError):
    pass


class Unauthorized(CouchHTTPError):
    pass


class Forbidden(CouchHTTPError):
    pass


_BY_STATUS: dict[int, type[CouchHTTPError]] = {
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    412: PreconditionFailed,
}


def error_for(status: int, error: str, reason: str) -> CouchHTTPError:
    return _BY_STATUS.get(status, CouchHTTPError)(status, error, reason)


def error_for_body(status: int, body: bytes) -> CouchHTTPError:
    """The error for an answer of ``status`` with CouchDB's ``{"error", "reason"}`` body."""
    try:
        data = json.loads(body)
        error, reason = str(data.get("error", "")), str(data.get("reason", ""))
    except (ValueError, AttributeError):
        error, reason = "http_error", body[:200].decode(errors="replace")
    return error_for(status, error or "http_error", reason)
