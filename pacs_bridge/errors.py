"""Every exception the bridge raises, and the one place foreign errors become ours.

BridgeError                 carries a code, a message a clinician can act on, and the detail
 ├── Retryable              transient: the study is tried again later (backoff, then give up)
 │    ├── ChunksMissing      the upload is still coming: wait for the chunk to replicate
 │    ├── StoreUnavailable   the object store did not answer or refused for a transient reason
 │    ├── PacsUnavailable    the PACS did not answer, or answered 5xx/408/429
 │    └── CouchDown          CouchDB itself did not answer
 └── Final                  no retry will help: the file or destination ends ``failed``
      ├── IntegrityFailed    size or sha256 does not match the manifest
      ├── InvalidDicom       not DICOM, cut short, UIDs differ, undecodable pixels
      ├── StoreConflict      the object store holds different bytes under the same UID
      └── PacsRejected       the PACS refused the instance (FailedSOPSequence, 4xx)

Like arq's ``Retry``/``JobExecutionFailed`` both outcomes are recorded in the status
document, neither is lost.  Foreign exceptions (pydicom, botocore, aiohttp, the CouchDB
client) are translated by the ``map_*`` context managers below, always ``raise … from``,
as ``httpx._transports.default.map_httpcore_exceptions`` does.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from couch_design_docs.models import StatusError
from relaypacs.couch import Conflict, CouchUnavailable


class BridgeError(Exception):
    code = "bridge_error"
    retryable = False

    def __init__(
        self,
        message: str,
        detail: str | None = None,
        *,
        code: str | None = None,
        file_id: str | None = None,
        file_name: str | None = None,
        destination: str | None = None,
    ) -> None:
        super().__init__(message if detail is None else f"{message} ({detail})")
        self.message = message
        self.detail = detail
        if code is not None:
            self.code = code
        self.file_id = file_id
        self.file_name = file_name
        self.destination = destination

    def for_file(self, file_id: str, file_name: str) -> BridgeError:
        self.file_id, self.file_name = file_id, file_name
        return self

    def to_status_error(self) -> StatusError:
        return StatusError(
            code=self.code[:64],
            message=self.message[:1000],
            detail=(self.detail or "")[:4000] or None,
            file_id=self.file_id,
            file_name=(self.file_name or "")[:256] or None,
            destination=self.destination,
            retryable=self.retryable,
        )


class Retryable(BridgeError):
    code = "retryable"
    retryable = True


class ChunksMissing(Retryable):
    code = "chunks_missing"


class StoreUnavailable(Retryable):
    code = "store_unavailable"


class PacsUnavailable(Retryable):
    code = "pacs_unavailable"


class CouchDown(Retryable):
    code = "couchdb_unavailable"


class Final(BridgeError):
    code = "failed"


class IntegrityFailed(Final):
    code = "integrity"


class InvalidDicom(Final):
    code = "invalid_dicom"


class StoreConflict(Final):
    code = "store_conflict"


class PacsRejected(Final):
    code = "pacs_rejected"


# -- translation at the edges -------------------------------------------------------------


@contextmanager
def map_couch_errors() -> Iterator[None]:
    """No answer, or a document still contended after the client's retries: try later."""
    try:
        yield
    except (CouchUnavailable, Conflict) as exc:
        raise CouchDown("The server is busy; the study will be tried again.", repr(exc)) from exc


@contextmanager
def map_http_errors(destination: str) -> Iterator[None]:
    """Transport failures talking to a PACS are transient (PS3.18 says nothing either way)."""
    import aiohttp

    try:
        yield
    except TimeoutError as exc:  # aiohttp's ServerTimeoutError is one
        raise PacsUnavailable(
            f"The PACS {destination} did not answer in time; delivery will be retried.",
            repr(exc),
            destination=destination,
        ) from exc
    except aiohttp.ClientError as exc:
        raise PacsUnavailable(
            f"The PACS {destination} cannot be reached; delivery will be retried.",
            repr(exc),
            destination=destination,
        ) from exc


@contextmanager
def map_boto_errors(key: str) -> Iterator[None]:
    """botocore's errors: connection problems and 5xx/throttling retry, the rest are final."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        yield
    except ClientError as exc:
        error = exc.response.get("Error", {})
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
        code = str(error.get("Code", ""))
        detail = f"{key}: {code} {status} {error.get('Message', '')}".strip()
        if status >= 500 or status in (408, 429) or code in ("SlowDown", "RequestTimeout"):
            raise StoreUnavailable(
                "The archive is busy; the study will be tried again.", detail
            ) from exc
        raise StoreUnavailable(
            "The archive refused the file; an administrator must check its settings.", detail
        ) from exc
    except BotoCoreError as exc:
        raise StoreUnavailable(
            "The archive cannot be reached; the study will be tried again.", f"{key}: {exc!r}"
        ) from exc


@contextmanager
def map_os_errors(key: str) -> Iterator[None]:
    try:
        yield
    except OSError as exc:
        raise StoreUnavailable(
            "The archive cannot be written; the study will be tried again.", f"{key}: {exc!r}"
        ) from exc


def describe(exc: BaseException) -> str:
    """A short technical description of an unexpected exception (no PHI: type and text)."""
    return f"{type(exc).__name__}: {exc}"[:4000]


@contextmanager
def map_pydicom_errors(file_name: str) -> Iterator[None]:
    """Whatever pydicom or a pixel decoder raises means the file cannot be read as DICOM."""
    try:
        yield
    except BridgeError:
        raise
    except Exception as exc:  # pydicom and its decoders raise many kinds
        text = str(exc).lower()
        if isinstance(exc, EOFError) or "truncat" in text or "end of file" in text:
            raise InvalidDicom(
                f"File {file_name} is cut short — export it again.", describe(exc), code="truncated"
            ) from exc
        raise InvalidDicom(
            f"File {file_name} could not be read as DICOM — export it again.",
            describe(exc),
            code="unreadable_dicom",
        ) from exc
