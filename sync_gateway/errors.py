"""The gateway's exceptions and the one function that maps any error to an HTTP answer.

GatewayError                 carries an HTTP status and CouchDB's error name
 ├── BadRequest              400 bad_request
 ├── Unauthorized            401 unauthorized (also totp_required, account_locked)
 ├── Forbidden               403 forbidden
 ├── NotFound                404 not_found
 ├── Conflict                409 conflict
 ├── PayloadTooLarge         413 too_large
 ├── UnsupportedMediaType    415 bad_content_type
 ├── Unprocessable           422 unprocessable (weak password, malformed input)
 └── TooManyRequests         429 too_many_requests (has retry_after)

Errors from CouchDB (:mod:`relaypacs.couch.errors`) and from aiohttp are translated here as
well, so a CouchDB that is down or slow answers 503/504/502 with JSON, never a 500 with a
stack trace (sync_gateway's ``base/error.go`` ``ErrorAsHTTPStatus`` does the same job).
Bodies use CouchDB's shape ``{"error": ..., "reason": ...}`` so PouchDB reacts correctly.
"""

from __future__ import annotations

import logging

import aiohttp
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse

from relaypacs.couch import CouchHTTPError, CouchUnavailable

log = logging.getLogger(__name__)


class GatewayError(Exception):
    status = 500
    error = "internal_error"

    def __init__(self, reason: str, *, error: str | None = None, headers: dict | None = None):
        super().__init__(reason)
        self.reason = reason
        if error is not None:
            self.error = error
        self.headers = headers or {}


class BadRequest(GatewayError):
    status, error = 400, "bad_request"


class Unauthorized(GatewayError):
    status, error = 401, "unauthorized"


class Forbidden(GatewayError):
    status, error = 403, "forbidden"


class NotFound(GatewayError):
    status, error = 404, "not_found"


class Conflict(GatewayError):
    status, error = 409, "conflict"


class PayloadTooLarge(GatewayError):
    status, error = 413, "too_large"


class UnsupportedMediaType(GatewayError):
    status, error = 415, "bad_content_type"


class Unprocessable(GatewayError):
    status, error = 422, "unprocessable"


class TooManyRequests(GatewayError):
    status, error = 429, "too_many_requests"

    def __init__(self, reason: str, retry_after: int) -> None:
        super().__init__(reason, headers={"Retry-After": str(max(1, retry_after))})
        self.retry_after = retry_after


_STATUS_NAMES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    412: "file_exists",
    413: "too_large",
    415: "bad_content_type",
    422: "unprocessable",
    429: "too_many_requests",
}


def as_http(exc: BaseException) -> tuple[int, str, str, dict[str, str]]:
    """(status, CouchDB error name, reason, extra headers) for any exception."""
    if isinstance(exc, GatewayError):
        return exc.status, exc.error, exc.reason, exc.headers
    if isinstance(exc, CouchUnavailable):
        cause = exc.__cause__
        if isinstance(cause, TimeoutError):
            return 504, "gateway_timeout", "the database did not answer in time", {}
        return 503, "service_unavailable", "the database is unreachable; try again", {}
    # the connection to CouchDB itself
    if isinstance(exc, TimeoutError):  # aiohttp.ServerTimeoutError is one
        return 504, "gateway_timeout", "the database did not answer in time", {}
    if isinstance(exc, aiohttp.ClientConnectorError):
        return 503, "service_unavailable", "the database is unreachable; try again", {}
    if isinstance(exc, aiohttp.ClientError):
        return 502, "bad_gateway", "the database connection failed", {}
    if isinstance(exc, CouchHTTPError):
        if exc.status >= 500:
            return 502, "bad_gateway", f"the database failed: {exc.error}", {}
        return exc.status, exc.error, exc.reason, {}
    if isinstance(exc, StarletteHTTPException):
        name = _STATUS_NAMES.get(exc.status_code, "error")
        return exc.status_code, name, str(exc.detail), dict(exc.headers or {})
    if isinstance(exc, RequestValidationError):
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        return 422, "unprocessable", f"{where}: {first.get('msg', 'invalid')}".strip(": "), {}
    return 500, "internal_error", "unexpected error", {}


def error_response(exc: BaseException) -> JSONResponse:
    status, error, reason, headers = as_http(exc)
    if status >= 500:
        log.warning("answering %s %s (%s)", status, error, type(exc).__name__)
    return JSONResponse({"error": error, "reason": reason}, status_code=status, headers=headers)


def install_handlers(app) -> None:  # type: ignore[no-untyped-def]
    """Route every exception through :func:`error_response`."""

    async def handler(_request, exc):  # type: ignore[no-untyped-def]
        return error_response(exc)

    for kind in (
        GatewayError,
        CouchUnavailable,
        CouchHTTPError,
        aiohttp.ClientError,
        StarletteHTTPException,
        RequestValidationError,
        Exception,
    ):
        app.add_exception_handler(kind, handler)
