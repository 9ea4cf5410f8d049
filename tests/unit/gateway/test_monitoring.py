"""The admin page's pure pieces: counts by state, stale workers, failures, push endpoints."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sync_gateway.monitoring.failures import failure_of
from sync_gateway.monitoring.health import clinic_counts, worker_health
from sync_gateway.push.subscriptions import endpoint_refusal
from sync_gateway.settings import GatewaySettings
from tests import factories as f

NOW = datetime(2026, 11, 28, 12, 0, 30, tzinfo=UTC)


def test_counts_by_state_from_group_level_1_rows() -> None:
    rows = [{"key": ["failed"], "value": 2}, {"key": ["delivered"], "value": 5}]
    counts = clinic_counts(rows)
    assert counts["failed"] == 2 and counts["delivered"] == 5 and counts["received"] == 0


def test_workers_are_stale_by_their_last_report() -> None:
    fresh = worker_health({"worker": "w1", "at": "2026-11-28T12:00:00Z"}, NOW, 60)
    stale = worker_health({"worker": "w2", "at": "2026-11-28T11:58:00Z"}, NOW, 60)
    broken = worker_health({"worker": "w3", "at": "yesterday"}, NOW, 60)
    assert (fresh["stale"], fresh["age_seconds"]) == (False, 30.0)
    assert stale["stale"] is True and broken["stale"] is True


def test_a_failure_shows_codes_and_messages_only() -> None:
    status = f.status(
        state="failed",
        errors=[
            {
                "code": "not_dicom",
                "message": "file 3 is not DICOM",
                "detail": "pydicom: missing preamble",
                "file_name": "PATIENT_DOE.dcm",
            }
        ],
        destinations={"pacs": {"state": "failed", "error": {"code": "pacs_down", "message": "x"}}},
    )
    item = failure_of("north", status, None)
    assert item["errors"] == [
        {"code": "not_dicom", "message": "file 3 is not DICOM"},
        {"code": "pacs_down", "message": "x", "destination": "pacs"},
    ]
    assert "DOE" not in repr(item) and item["retry"] is None


@pytest.mark.parametrize(
    ("endpoint", "env", "ok"),
    [
        ("https://fcm.googleapis.com/fcm/send/abc", "production", True),
        ("https://updates.push.services.mozilla.com/wpush/v2/x", "production", True),
        ("https://web.push.apple.com/x", "production", True),
        ("http://fcm.googleapis.com/fcm/send/abc", "production", False),
        ("https://169.254.169.254/latest", "production", False),
        ("https://evilfcm.googleapis.com.example/x", "production", False),
        ("ftp://fcm.googleapis.com/x", "development", False),
    ],
)
def test_push_endpoints_must_be_known_push_services(endpoint: str, env: str, ok: bool) -> None:
    settings = GatewaySettings(_env_file=None, env="test")
    settings.env = env  # type: ignore[assignment]
    assert (endpoint_refusal(endpoint, settings) is None) is ok
