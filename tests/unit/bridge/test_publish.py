"""The links and notifications the bridge writes (pure functions of the documents)."""

from __future__ import annotations

import hashlib
import logging

import pytest

from couch_design_docs.models import Report, Study
from pacs_bridge import publish
from tests import factories as f

STUDY = Study.model_validate(f.study(patient={"name": "DOE^JANE", "id": "P1 "}))


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        (None, None),
        ("", None),
        ("https://pacs/viewer?StudyInstanceUIDs={study_uid}", f"https://pacs/viewer?StudyInstanceUIDs={STUDY.study.instance_uid}"),
        ("https://pacs/{study_id}", f"https://pacs/{STUDY.study_id}"),
        ("https://pacs/literal{{braces}}", "https://pacs/literal{braces}"),
    ],
)  # fmt: skip
def test_viewer_url_fills_known_placeholders(template, expected):
    assert publish.viewer_url(template, STUDY) == expected


@pytest.mark.parametrize(
    "template",
    [
        "https://pacs/{StudyInstanceUID}",  # unknown placeholder (was a KeyError)
        "https://pacs/{0}",  # positional
        "https://pacs/{study_uid.__class__}",  # attribute access
        "https://pacs/{study_uid[0]}",  # indexing
        "https://pacs/{study_uid!r}",  # conversion
        "https://pacs/{study_uid:>80}",  # format spec
        "https://pacs/{study_uid",  # unbalanced
        "https://pacs/}",  # unbalanced
    ],
)
def test_viewer_url_with_a_bad_template_gives_no_link_and_logs_no_phi(template, caplog):
    with caplog.at_level(logging.WARNING, logger="pacs_bridge.publish"):
        assert publish.viewer_url(template, STUDY) is None
    assert caplog.records, "the administrator's typo must be logged"
    text = caplog.text
    assert STUDY.study.instance_uid not in text and "DOE" not in text and "P1" not in text


def test_orthanc_id_is_sha1_of_patient_and_study_in_five_groups():
    # the shape here; the value against a real Orthanc in integration/bridge/test_viewer_link.py
    oid = publish.orthanc_study_id("P1", "1.2.3")
    groups = oid.split("-")
    assert [len(g) for g in groups] == [8] * 5
    assert "".join(groups) == hashlib.sha1(b"P1|1.2.3", usedforsecurity=False).hexdigest()
    url = publish.viewer_url("http://o/app/explorer.html#study?uuid={orthanc_id}", STUDY)
    assert url == "http://o/app/explorer.html#study?uuid=" + publish.orthanc_study_id(
        "P1", STUDY.study.instance_uid
    )


def test_notification_links_name_app_pages():
    assert publish.app_link(None, "/studies/s1") == "/studies/s1"
    assert publish.app_link("https://relay.example/", "/studies/s1") == (
        "https://relay.example/studies/s1"
    )
    # an old-style template value is reduced to its origin, never formatted
    assert publish.app_link("https://relay.example/#/studies/{study_id}", "/reports/s1") == (
        "https://relay.example/reports/s1"
    )


def test_urgent_notification_is_per_radiologist_and_study():
    note = publish.urgent_notification(STUDY, "osei", f.NOW, None)
    again = publish.urgent_notification(STUDY, "osei", "2030-01-01T00:00:00Z", None)
    assert note.id == again.id == f"notification:osei:urgent-north-{STUDY.study_id}"
    assert note.kind == "study_urgent" and note.url == f"/desk/north/{STUDY.study_id}"
    assert "DOE" not in note.title + note.body


def test_report_notification_is_news_once_per_content():
    report = Report.model_validate(f.report(desk=True))
    first = publish.report_notification(report, "amina", f.NOW, None)
    same = publish.report_notification(report, "amina", "2030-01-01T00:00:00Z", None)
    changed = publish.report_notification(
        report.model_copy(update={"impression": "Changed."}), "amina", f.NOW, None
    )
    assert first.id == same.id != changed.id
    assert first.user == "amina" and first.kind == "report_final"
    assert first.url == f"/reports/{report.study_id}" and first.title == "Report ready"
    assert report.impression not in first.body  # no clinical text on a lock screen
