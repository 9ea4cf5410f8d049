"""Reading STOW-RS answers (PS3.18 §10.5.3): only listed instances count as stored."""

from __future__ import annotations

import json

from pacs_bridge.stow import failure_text, parse_stow_response

A, B, C = "1.2.3.1", "1.2.3.2", "1.2.3.3"


def ref(uid: str, warning: int | None = None) -> dict:
    item = {
        "00081150": {"vr": "UI", "Value": ["1.2.840.10008.5.1.4.1.1.2"]},
        "00081155": {"vr": "UI", "Value": [uid]},
        "00081190": {"vr": "UR", "Value": [f"http://pacs/studies/1/series/2/instances/{uid}"]},
    }
    if warning is not None:
        item["00081196"] = {"vr": "US", "Value": [warning]}
    return item


def failed(uid: str, reason: int | None) -> dict:
    item = {"00081155": {"vr": "UI", "Value": [uid]}}
    if reason is not None:
        item["00081197"] = {"vr": "US", "Value": [reason]}
    return item


def answer(referenced=(), failures=()) -> bytes:
    body = {"00081190": {"vr": "UR", "Value": ["http://pacs/studies/1"]}}
    body["00081199"] = {"vr": "SQ", "Value": list(referenced)}
    body["00081198"] = {"vr": "SQ", "Value": list(failures)} if failures else {"vr": "SQ"}
    return json.dumps(body).encode()


def test_all_referenced():
    result = parse_stow_response(answer([ref(A), ref(B)]), {A, B})
    assert result.referenced == {A, B}
    assert not result.failed and not result.unconfirmed


def test_failed_sequence_without_value_means_no_failures():
    # Orthanc: FailedSOPSequence present with no Value on success
    result = parse_stow_response(answer([ref(A)]), {A})
    assert result.failed == {}


def test_unlisted_instances_are_unconfirmed():
    """Orthanc answers 200 and silently skips a part it did not like."""
    result = parse_stow_response(answer([ref(A)]), {A, B, C})
    assert result.referenced == {A}
    assert result.unconfirmed == {B, C}


def test_failures_with_reasons_and_retryable_ones():
    result = parse_stow_response(
        answer([ref(A)], [failed(B, 0xA700), failed(C, 0x0122)]), {A, B, C}
    )
    assert result.failed == {B: 0xA700, C: 0x0122}
    assert result.retryable_failures == {B: 0xA700}
    assert failure_text(0x0122) == "SOP class not supported"
    assert failure_text(0xA710) == "out of resources"
    assert failure_text(0xC123) == "cannot understand"
    assert failure_text(None) == "no reason given"


def test_warnings_still_count_as_stored():
    result = parse_stow_response(answer([ref(A, warning=0xB000)]), {A})
    assert result.referenced == {A}
    assert result.warnings == {A: 0xB000}


def test_both_referenced_and_failed_is_not_trusted():
    result = parse_stow_response(answer([ref(A)], [failed(A, 0xC000)]), {A})
    assert result.referenced == set()
    assert result.failed == {A: 0xC000}


def test_uids_we_did_not_send_are_ignored():
    result = parse_stow_response(answer([ref(A), ref("9.9.9")]), {A})
    assert result.referenced == {A}


def test_empty_junk_and_array_bodies():
    assert parse_stow_response(b"", {A}).unconfirmed == {A}
    assert parse_stow_response(b"<html>oops</html>", {A}).unconfirmed == {A}
    wrapped = json.dumps([json.loads(answer([ref(A)]))]).encode()
    assert parse_stow_response(wrapped, {A}).referenced == {A}
    assert parse_stow_response(None, {A}).unconfirmed == {A}
