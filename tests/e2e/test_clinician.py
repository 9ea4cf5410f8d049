"""Amina's journey in Debian's Chromium against the whole real stack (issue 5).

Signed in, offline, she picks a real two-series CT study plus a text file and a cut-short
export; the junk is turned away with a reason, the study card shows the patient and the
series; she adds notes and priority and seals; a reload with no network still shows the
study (service worker + IndexedDB); back online the study reaches ``delivered`` by itself,
every instance is in Orthanc exactly once and byte for byte, the integrity receipt matches
and the image data is freed on the device.  A study whose image is cut short ends
``failed`` with a reason she can act on.

Every wait is on a condition (Playwright ``expect`` or a polled predicate), never a sleep.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import uuid
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import BrowserContext, Locator, Page, Route, expect

from couch_design_docs.models import CHUNK_SIZE
from relaypacs.stack import Stack
from tests.e2e.dicom_files import (
    GeneratedStudy,
    cut_pixel_data,
    make_short_pixel_study,
    make_study,
    truncate,
)

pytestmark = pytest.mark.e2e

DELIVERY_TIMEOUT_MS = 120_000
UI_TIMEOUT_MS = 15_000


# -- helpers ---------------------------------------------------------------------------------


@pytest.fixture
def browser_context_args(browser_context_args: dict) -> dict:
    """Amina's phone: a narrow portrait viewport."""
    return {**browser_context_args, "viewport": {"width": 412, "height": 915}}


def screenshot(page: Page, path: Path) -> None:
    page.evaluate("window.scrollTo(0, 0)")  # a sticky header mid-page otherwise
    page.screenshot(path=str(path), full_page=True)


def sign_in(page: Page, stack: Stack, username: str = "amina") -> None:
    page.goto(stack.gateway.url + "/")
    expect(page.get_by_test_id("login-form")).to_be_visible(timeout=UI_TIMEOUT_MS)
    page.get_by_test_id("login-username").fill(username)
    page.get_by_test_id("login-password").fill(stack.secrets[f"password_{username}"])
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("nav-capture")).to_be_visible(timeout=UI_TIMEOUT_MS)
    expect(page.get_by_test_id("current-user")).to_contain_text(username)
    # the shell is precached once the service worker is active
    page.wait_for_function(
        "navigator.serviceWorker.ready.then(r => !!r.active)", timeout=UI_TIMEOUT_MS
    )
    expect(page.get_by_test_id("network-indicator")).to_have_attribute(
        "data-sync", re.compile("idle|active"), timeout=UI_TIMEOUT_MS
    )


def outbox_databases(page: Page, study_id: str) -> list[str]:
    """IndexedDB databases holding this study's chunk documents (the outbox)."""
    names = page.evaluate("indexedDB.databases().then(dbs => dbs.map(d => d.name))")
    return [n for n in names if f"outbox-{study_id}" in n]


def orthanc_client(stack: Stack) -> httpx.Client:
    assert stack.orthanc is not None
    o = stack.orthanc
    return httpx.Client(base_url=o.url, auth=(o.username, o.password), timeout=30)


def orthanc_lookup(client: httpx.Client, uid: str) -> list[dict]:
    response = client.post("/tools/lookup", content=uid)
    response.raise_for_status()
    return response.json()


# what the status badge may show, in the order a study moves through it
JOURNEY_ORDER = [
    "waiting", "sending", "sent",
    "received", "assembling", "validating", "stored", "delivering", "delivered",
]  # fmt: skip


def record_states(page: Page, study_id: str) -> None:
    """Collect every distinct ``data-state`` the study's dashboard row shows, in order."""
    page.evaluate(
        """id => {
            const sel = `[data-testid="dashboard-row"][data-study-id="${id}"]`;
            const seen = window.__states = [];
            const look = () => {
                const state = document.querySelector(sel)?.getAttribute("data-state");
                if (state && seen[seen.length - 1] !== state) seen.push(state);
            };
            look();
            new MutationObserver(look).observe(document.body, {
                subtree: true, childList: true, attributes: true, attributeFilter: ["data-state"],
            });
        }""",
        study_id,
    )


def pick_files(page: Page, paths: list[Path]) -> None:
    page.get_by_test_id("nav-capture").click()
    page.get_by_test_id("file-input").set_input_files([str(p) for p in paths])


def seal_picked(page: Page, study: GeneratedStudy) -> tuple[str, Locator]:
    """Pick the study's files, seal it once they are stored, open the studies list: its id
    and its row there."""
    pick_files(page, study.paths)
    card = page.locator(f'[data-testid="study-card"][data-study-uid="{study.study_instance_uid}"]')
    expect(card.get_by_test_id("seal-button")).to_be_enabled(timeout=60_000)
    study_id = card.get_attribute("data-study-id")
    assert study_id
    card.get_by_test_id("seal-button").click()
    expect(card).to_have_attribute("data-state", "sealed", timeout=UI_TIMEOUT_MS)
    page.get_by_test_id("nav-studies").click()
    return study_id, page.locator(f'[data-testid="dashboard-row"][data-study-id="{study_id}"]')


# -- tests -----------------------------------------------------------------------------------


def test_offline_capture_is_delivered_to_the_pacs(
    stack: Stack,
    page: Page,
    context: BrowserContext,
    tmp_path: Path,
    screenshot_dir: Path,
) -> None:
    study: GeneratedStudy = make_study(tmp_path / "export", (3, 2))
    text = tmp_path / "export" / "readme.txt"
    text.write_text("exported by the portable CT, not an image\n")
    cut = truncate(study.instances[0].path, tmp_path / "export" / "cut-short.dcm", keep=0.6)

    sign_in(page, stack)

    # -- capture with no network ------------------------------------------------------------
    context.set_offline(True)
    expect(page.get_by_test_id("network-indicator")).to_have_attribute(
        "data-online", "false", timeout=UI_TIMEOUT_MS
    )
    pick_files(page, [*study.paths, text, cut])

    rejected = page.get_by_test_id("rejected-file")
    expect(rejected).to_have_count(2, timeout=UI_TIMEOUT_MS)
    txt = page.locator('[data-testid="rejected-file"][data-file-name="readme.txt"]')
    expect(txt.get_by_test_id("rejection-reason")).to_contain_text("not a DICOM file")
    short = page.locator('[data-testid="rejected-file"][data-file-name="cut-short.dcm"]')
    expect(short.get_by_test_id("rejection-reason")).to_contain_text("cut short")

    card = page.locator(f'[data-testid="study-card"][data-study-uid="{study.study_instance_uid}"]')
    expect(card).to_have_count(1, timeout=UI_TIMEOUT_MS)
    expect(card).to_have_attribute("data-state", "draft")
    expect(card.get_by_test_id("seal-button")).to_be_enabled(timeout=60_000)
    expect(card.get_by_test_id("patient-name")).to_have_text("E2E Amina")
    expect(card.get_by_test_id("patient-id")).to_contain_text(study.patient_id)
    expect(card.get_by_test_id("study-summary")).to_contain_text("CT")
    series = card.get_by_test_id("series-row")
    expect(series).to_have_count(2)
    expect(card.get_by_test_id("series-count")).to_have_text(
        [re.compile(r"^3 images\b"), re.compile(r"^2 images\b")]
    )
    expect(card.get_by_test_id("study-files")).to_contain_text("5 files")
    expect(page.get_by_test_id("file-summary")).to_contain_text("5 saved")

    study_id = card.get_attribute("data-study-id")
    assert study_id
    assert outbox_databases(page, study_id), "chunks should be stored in an outbox database"

    card.get_by_test_id("study-notes").fill("query appendicitis, urgent")
    card.get_by_test_id("study-priority").select_option("urgent")
    screenshot(page, screenshot_dir / "upload.png")

    card.get_by_test_id("seal-button").click()
    sealed = page.locator(f'[data-testid="study-card"][data-study-id="{study_id}"]')
    expect(sealed).to_have_attribute("data-state", "sealed", timeout=UI_TIMEOUT_MS)
    expect(sealed.get_by_test_id("status-badge")).to_have_text("waiting")
    expect(sealed.get_by_test_id("sealed-notes")).to_have_text("query appendicitis, urgent")
    expect(page.get_by_test_id("pending-count")).not_to_have_attribute("data-pending", "0")

    # nothing has reached the PACS while offline
    with orthanc_client(stack) as orthanc:
        assert orthanc_lookup(orthanc, study.study_instance_uid) == []

    # -- the app reopens with no network: shell from the service worker, data from IndexedDB --
    page.reload()
    expect(sealed).to_have_count(1, timeout=UI_TIMEOUT_MS)
    expect(sealed).to_have_attribute("data-state", "sealed")
    expect(sealed.get_by_test_id("status-badge")).to_have_text("waiting")
    expect(sealed.get_by_test_id("patient-name")).to_have_text("E2E Amina")
    expect(sealed.get_by_test_id("series-row")).to_have_count(2)

    # -- a link appears: it goes out by itself ----------------------------------------------
    page.get_by_test_id("nav-studies").click()
    row = page.locator(f'[data-testid="dashboard-row"][data-study-id="{study_id}"]')
    expect(row).to_have_attribute("data-state", "waiting", timeout=UI_TIMEOUT_MS)
    expect(row.get_by_test_id("status-label")).to_contain_text("waiting for network")
    record_states(page, study_id)
    context.set_offline(False)
    expect(row).to_have_attribute("data-state", "delivered", timeout=DELIVERY_TIMEOUT_MS)
    seen = page.evaluate("window.__states")
    assert seen[0] == "waiting" and seen[-1] == "delivered", seen
    ranks = [JOURNEY_ORDER.index(state) for state in seen]  # unknown state: ValueError
    assert ranks == sorted(ranks), f"status went backwards: {seen}"
    expect(row.get_by_test_id("status-badge")).to_have_text("delivered")
    expect(row.get_by_test_id("failure-reason")).to_have_count(0)

    receipt = row.get_by_test_id("integrity-receipt")
    expect(receipt).to_have_attribute("data-all-match", "true")
    files = receipt.get_by_test_id("receipt-file")
    expect(files).to_have_count(len(study.instances))
    for i in range(len(study.instances)):
        expect(files.nth(i)).to_have_attribute("data-match", "true")
        # journey 4: every file's checksum matched at the PACS itself
        expect(files.nth(i).get_by_test_id("receipt-pacs")).to_have_attribute(
            "data-verified", "true"
        )

    expect(row.get_by_test_id("freed-space")).to_contain_text("freed", timeout=30_000)
    page.wait_for_function(
        """id => indexedDB.databases().then(
            dbs => !dbs.some(d => d.name.includes('outbox-' + id)))""",
        arg=study_id,
        timeout=30_000,
    )
    expect(page.get_by_test_id("pending-count")).to_have_attribute("data-pending", "0")
    receipt.locator("summary").click()
    screenshot(page, screenshot_dir / "dashboard.png")

    # -- the PACS holds every instance exactly once, byte for byte ---------------------------
    with orthanc_client(stack) as orthanc:
        found = orthanc_lookup(orthanc, study.study_instance_uid)
        assert [f["Type"] for f in found] == ["Study"]
        in_study = orthanc.get(f"/studies/{found[0]['ID']}/instances").json()
        assert len(in_study) == len(study.instances)
        for instance in study.instances:
            hits = orthanc_lookup(orthanc, instance.sop_instance_uid)
            assert [h["Type"] for h in hits] == ["Instance"], instance.path.name
            stored = orthanc.get(f"/instances/{hits[0]['ID']}/file")
            stored.raise_for_status()
            assert stored.content == instance.path.read_bytes(), instance.path.name


def test_cut_short_image_fails_with_a_reason(
    stack: Stack,
    page: Page,
    tmp_path: Path,
) -> None:
    study = make_short_pixel_study(tmp_path / "export")
    name = study.instances[0].path.name

    sign_in(page, stack)
    pick_files(page, study.paths)
    card = page.locator(f'[data-testid="study-card"][data-study-uid="{study.study_instance_uid}"]')
    expect(card.get_by_test_id("seal-button")).to_be_enabled(timeout=60_000)
    expect(page.get_by_test_id("rejected-file")).to_have_count(0)
    study_id = card.get_attribute("data-study-id")
    card.get_by_test_id("seal-button").click()
    expect(card).to_have_attribute("data-state", "sealed", timeout=UI_TIMEOUT_MS)

    page.get_by_test_id("nav-studies").click()
    row = page.locator(f'[data-testid="dashboard-row"][data-study-id="{study_id}"]')
    expect(row).to_have_attribute("data-state", "failed", timeout=DELIVERY_TIMEOUT_MS)
    expect(row.get_by_test_id("status-badge")).to_have_text("failed")
    reason = row.get_by_test_id("failure-reason")
    expect(reason).to_have_count(1)
    expect(reason).to_have_attribute("data-code", "truncated")
    expect(reason).to_contain_text(name)
    expect(reason).to_contain_text("cut short")
    expect(reason).to_contain_text("export it again")
    expect(row.get_by_test_id("add-files-link")).to_be_visible()
    expect(row.get_by_test_id("integrity-receipt")).to_have_count(0)

    with orthanc_client(stack) as orthanc:
        assert orthanc_lookup(orthanc, study.instances[0].sop_instance_uid) == []


def test_re_exported_file_completes_a_failed_study(
    stack: Stack,
    page: Page,
    tmp_path: Path,
) -> None:
    """Journey 5: the one bad file is re-exported and added; only it goes again."""
    study = make_study(tmp_path / "export", (3,), patient_name="E2E^Reexport", prefix="re")
    bad = study.instances[2]
    good_copy = tmp_path / "reexport" / bad.path.name
    good_copy.parent.mkdir()
    good_copy.write_bytes(bad.path.read_bytes())
    cut_pixel_data(bad.path)

    sign_in(page, stack)
    pick_files(page, study.paths)
    card = page.locator(f'[data-testid="study-card"][data-study-uid="{study.study_instance_uid}"]')
    expect(card.get_by_test_id("seal-button")).to_be_enabled(timeout=60_000)
    expect(card.get_by_test_id("study-files")).to_contain_text("3 files")
    study_id = card.get_attribute("data-study-id")
    card.get_by_test_id("seal-button").click()
    expect(card).to_have_attribute("data-state", "sealed", timeout=UI_TIMEOUT_MS)

    page.get_by_test_id("nav-studies").click()
    row = page.locator(f'[data-testid="dashboard-row"][data-study-id="{study_id}"]')
    expect(row).to_have_attribute(
        "data-state", re.compile("^(failed|partial)$"), timeout=DELIVERY_TIMEOUT_MS
    )
    reason = row.get_by_test_id("failure-reason")
    expect(reason).to_have_count(1)
    expect(reason).to_contain_text(bad.path.name)
    expect(reason).to_contain_text("cut short")

    row.get_by_test_id("add-files-link").click()
    page.get_by_test_id("file-input").set_input_files([str(good_copy)])
    expect(card.get_by_test_id("send-addition-button")).to_be_enabled(timeout=60_000)
    card.get_by_test_id("send-addition-button").click()

    page.get_by_test_id("nav-studies").click()
    expect(row).to_have_attribute("data-state", "delivered", timeout=DELIVERY_TIMEOUT_MS)
    expect(row.get_by_test_id("failure-reason")).to_have_count(0)
    expect(row.get_by_test_id("integrity-receipt")).to_have_attribute("data-all-match", "true")
    expect(row.get_by_test_id("receipt-file")).to_have_count(3)

    with orthanc_client(stack) as orthanc:
        for instance in study.instances:
            hits = orthanc_lookup(orthanc, instance.sop_instance_uid)
            assert [h["Type"] for h in hits] == ["Instance"], instance.path.name
            stored = orthanc.get(f"/instances/{hits[0]['ID']}/file").content
            expected = good_copy if instance is bad else instance.path
            assert stored == expected.read_bytes(), instance.path.name


def test_transfer_resumes_after_the_signal_drops(
    stack: Stack,
    page: Page,
    tmp_path: Path,
) -> None:
    """Journey 3: the link fails at the start and again mid-way; the push resumes by itself,
    no chunk is accepted twice, and every instance reaches the PACS once.  Every chunk goes
    with the MD5 digest of its data (taken by the app's own pouchdb-md5, see vite.config)."""
    study = make_study(tmp_path / "export", (6,), patient_name="E2E^Resume", matrix=1024)
    chunk_count = sum(-(-p.stat().st_size // CHUNK_SIZE) for p in study.paths)
    accepted: list[str] = []
    dropped: list[int] = []
    digests: list[tuple[str, str]] = []  # (what PouchDB stored with the chunk, its data's MD5)
    chunk_requests = 0

    def signal(route: Route) -> None:
        nonlocal chunk_requests
        docs = json.loads(route.request.post_data or "{}").get("docs", [])
        ids = [d["_id"] for d in docs if d.get("type") == "chunk"]
        for doc in docs:
            attachment = doc.get("_attachments", {}).get("data", {})
            if doc.get("type") == "chunk" and "data" in attachment:
                data = base64.b64decode(attachment["data"])
                md5 = base64.b64encode(hashlib.md5(data, usedforsecurity=False).digest()).decode()
                digests.append((attachment.get("digest", ""), f"md5-{md5}"))
        if not ids:
            route.continue_()
            return
        chunk_requests += 1
        if chunk_requests in (1, 3):  # no signal at first, and again after one batch
            dropped.append(len(ids))
            route.abort("internetdisconnected")
            return
        accepted.extend(ids)
        route.continue_()

    sign_in(page, stack)
    page.route(re.compile(r"/sync/[^/?]+/_bulk_docs"), signal)
    _, row = seal_picked(page, study)
    expect(row).to_have_attribute("data-state", "delivered", timeout=DELIVERY_TIMEOUT_MS)
    expect(row.get_by_test_id("integrity-receipt")).to_have_attribute("data-all-match", "true")

    assert len(dropped) == 2, dropped
    assert digests and all(stored == computed for stored, computed in digests), digests[:3]
    assert len(accepted) == len(set(accepted)), "a chunk was accepted twice"
    assert len(accepted) == chunk_count
    with orthanc_client(stack) as orthanc:
        for instance in study.instances:
            hits = orthanc_lookup(orthanc, instance.sop_instance_uid)
            assert [h["Type"] for h in hits] == ["Instance"], instance.path.name
            stored = orthanc.get(f"/instances/{hits[0]['ID']}/file").content
            assert stored == instance.path.read_bytes(), instance.path.name


def test_sealed_while_saving_seals_once_every_file_is_saved(
    stack: Stack, page: Page, context: BrowserContext, tmp_path: Path
) -> None:
    """Journey 2 on a big export: Amina seals as soon as she has written her notes, while the
    files are still being saved; the study seals itself once the last one is, with all of
    them in it."""
    # 8 files of 8 MiB: seconds of saving, so the seal is asked for while they still save
    study = make_study(tmp_path / "export", (4, 4), patient_name="E2E^Early", matrix=2048)
    sign_in(page, stack)
    context.set_offline(True)
    pick_files(page, study.paths)
    card = page.locator(f'[data-testid="study-card"][data-study-uid="{study.study_instance_uid}"]')
    seal = card.get_by_test_id("seal-button")
    expect(seal).to_have_text("Seal when saved", timeout=UI_TIMEOUT_MS)
    card.get_by_test_id("study-notes").fill("query appendicitis, urgent")
    seal.click()
    expect(seal).to_have_text("Seals when saved…")
    expect(card).to_have_attribute("data-state", "draft")
    expect(card).to_have_attribute("data-state", "sealed", timeout=60_000)
    expect(card.get_by_test_id("study-files")).to_contain_text(f"{len(study.paths)} files")
    expect(card.get_by_test_id("sealed-notes")).to_have_text("query appendicitis, urgent")


def test_study_waits_out_an_ended_session_and_goes_after_sign_in(
    stack: Stack, page: Page, context: BrowserContext, tmp_path: Path
) -> None:
    """Amina seals a study offline and her session ends before she has signal again (a week
    away lets the refresh token lapse; here the session is ended on the server, which the
    gateway refuses the same way).  Back online nothing goes out: the app says her work is
    safe and asks her to sign in, in place; once she has, the study goes by itself."""
    study = make_study(tmp_path / "export", (2,), patient_name="E2E^Session")
    sign_in(page, stack)
    context.set_offline(True)
    study_id, row = seal_picked(page, study)
    expect(row).to_have_attribute("data-state", "waiting", timeout=UI_TIMEOUT_MS)

    session = json.loads(page.evaluate("localStorage.getItem('relaypacs.session.v1')"))
    with httpx.Client(base_url=stack.gateway.url, timeout=10) as api:
        bearer = {"Authorization": f"Bearer {session['accessToken']}"}
        api.post("/api/v1/auth/logout", headers=bearer).raise_for_status()
        assert api.get("/api/v1/auth/me", headers=bearer).status_code == 401

    context.set_offline(False)
    banner = page.get_by_test_id("signed-out-banner")
    expect(banner).to_be_visible(timeout=30_000)
    expect(banner).to_contain_text("Everything you captured is safe on this device")
    expect(row).to_have_attribute("data-state", "waiting")
    prefix = stack.service_env.get("RELAYPACS_DB_PREFIX", "")
    with httpx.Client(
        base_url=stack.couch_url, auth=(stack.couch_user, stack.couch_password or ""), timeout=10
    ) as couch:
        manifest = couch.get(f"/{prefix}clinic_demo/study%3A{study_id}")
        assert manifest.status_code == 404, "the study went out on an ended session"

    expect(banner.get_by_test_id("login-username")).to_have_value("amina")
    banner.get_by_test_id("login-password").fill(stack.secrets["password_amina"])
    banner.get_by_test_id("login-submit").click()
    expect(banner).to_be_hidden(timeout=UI_TIMEOUT_MS)
    expect(row).to_have_attribute("data-state", "delivered", timeout=DELIVERY_TIMEOUT_MS)
    with orthanc_client(stack) as orthanc:
        for instance in study.instances:
            hits = orthanc_lookup(orthanc, instance.sop_instance_uid)
            assert [h["Type"] for h in hits] == ["Instance"], instance.path.name


def test_final_report_reaches_the_clinician_and_reads_offline(
    page: Page, context: BrowserContext, stack: Stack
) -> None:
    """Journey 6: the radiologist signs on the desk, the bridge carries the report into the
    clinic's database, and it replicates to Amina's phone, readable with no network."""
    prefix = stack.service_env.get("RELAYPACS_DB_PREFIX", "")
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    study_id = "rep" + uuid.uuid4().hex[:12]
    now = "2026-11-28T12:00:00Z"
    manifest = {
        "_id": f"study:{study_id}", "type": "study", "schema_version": 1,
        "study_id": study_id, "clinic": "demo", "author": "amina", "state": "draft",
        "created_at": now, "study": {"instance_uid": "1.2.826.0.1.3680043.8.498.77"},
        "patient": {}, "notes": "", "priority": "routine", "chunk_size": CHUNK_SIZE, "files": [],
    }  # fmt: skip
    report = {
        "_id": f"report:demo:{study_id}", "type": "report", "schema_version": 1,
        "study_id": study_id, "clinic": "demo", "author": "osei", "state": "final",
        "findings": "No free fluid. Appendix not dilated.", "impression": "No appendicitis.",
        "created_at": now, "updated_at": now, "signed_at": now,
    }  # fmt: skip
    with httpx.Client(
        base_url=stack.couch_url, auth=(stack.couch_user, stack.couch_password or ""), timeout=10
    ) as couch:
        couch.put(f"/{prefix}clinic_demo/study%3A{study_id}", json=manifest).raise_for_status()
        sign_in(page, stack)
        desk_report = f"/{prefix}relaypacs_desk/report%3Ademo%3A{study_id}"
        couch.put(desk_report, json=report).raise_for_status()

    page.get_by_test_id("nav-reports").click()
    item = page.locator(f'[data-testid="report-item"][data-study-id="{study_id}"]')
    expect(item).to_be_visible(timeout=30_000)
    expect(item.get_by_test_id("report-findings")).to_contain_text("Appendix not dilated")

    context.set_offline(True)
    page.reload()
    page.get_by_test_id("nav-reports").click()
    expect(item.get_by_test_id("report-impression")).to_contain_text("No appendicitis")
    context.set_offline(False)
    # the manifest left out fields the contract defaults (modalities): the app copes
    assert errors == []
