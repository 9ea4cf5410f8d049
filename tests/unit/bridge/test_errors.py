"""Foreign errors are translated at the edge into retryable or final bridge errors."""

from __future__ import annotations

import aiohttp
import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from pacs_bridge.errors import (
    BridgeError,
    CouchDown,
    InvalidDicom,
    PacsUnavailable,
    StoreUnavailable,
    map_boto_errors,
    map_couch_errors,
    map_http_errors,
    map_pydicom_errors,
)
from relaypacs.couch import CouchUnavailable


def client_error(status: int, code: str) -> ClientError:
    return ClientError(
        {"Error": {"Code": code, "Message": "x"}, "ResponseMetadata": {"HTTPStatusCode": status}},
        "PutObject",
    )


def test_boto_errors_become_store_unavailable():
    with pytest.raises(StoreUnavailable) as caught, map_boto_errors("k"):
        raise EndpointConnectionError(endpoint_url="http://nowhere")
    assert caught.value.retryable and "cannot be reached" in caught.value.message
    assert isinstance(caught.value.__cause__, EndpointConnectionError)
    with pytest.raises(StoreUnavailable) as caught, map_boto_errors("k"):
        raise client_error(503, "SlowDown")
    assert "busy" in caught.value.message
    with pytest.raises(StoreUnavailable) as caught, map_boto_errors("k"):
        raise client_error(403, "AccessDenied")
    assert "administrator" in caught.value.message and "AccessDenied" in caught.value.detail


def test_http_errors_become_pacs_unavailable():
    with pytest.raises(PacsUnavailable) as caught, map_http_errors("orthanc"):
        raise aiohttp.ServerDisconnectedError()
    assert caught.value.destination == "orthanc"
    assert "cannot be reached" in caught.value.message
    with pytest.raises(PacsUnavailable) as caught, map_http_errors("orthanc"):
        raise aiohttp.ServerTimeoutError("slow")
    assert "did not answer in time" in caught.value.message


def test_couch_unavailable_is_retryable():
    with pytest.raises(CouchDown), map_couch_errors():
        raise CouchUnavailable("down")


def test_pydicom_errors_are_final_with_clinician_words():
    with pytest.raises(InvalidDicom) as caught, map_pydicom_errors("IM0017.dcm"):
        raise EOFError("unexpected end of file")
    assert caught.value.message == "File IM0017.dcm is cut short — export it again."
    assert caught.value.code == "truncated" and not caught.value.retryable
    with pytest.raises(InvalidDicom) as caught, map_pydicom_errors("IM1.dcm"):
        raise ValueError("bad VR")
    assert caught.value.code == "unreadable_dicom"
    assert "ValueError: bad VR" in caught.value.detail


def test_status_error_shape():
    error = PacsUnavailable("m" * 2000, "d" * 5000, destination="orthanc").to_status_error()
    assert len(error.message) == 1000 and len(error.detail) == 4000
    assert error.retryable and error.destination == "orthanc"
    assert isinstance(PacsUnavailable("x"), BridgeError)
