"""Dr Osei's desk journey in Chromium against the whole stack (JOURNEYS.md, "Dr Osei").

A worklist entry is written into the desk database the way the bridge writes it (admin
CouchDB client); osei sees it appear live (no reload), claims it with a direct PUT through
the gateway; a second radiologist (created by sam through the admin API) whose replica has
not heard of the claim yet clicks "claim" too, gets the gateway's 409 and is told who holds
it; osei writes a report, saves a draft, signs it, and the desk database holds it final.
"""

from __future__ import annotations

import re
import secrets
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect

from couch_design_docs.models import Patient, StudyInfo, WorklistEntry
from couch_design_docs.names import claim_doc_id, desk_report_doc_id, worklist_doc_id
from couch_design_docs.timestamps import now_timestamp
from relaypacs.stack import Stack
from tests.e2e.accounts import create_user

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]

LIVE_WITHIN_MS = 2_000  # the journey says "within a second"; the measured time is printed


@pytest.fixture(scope="module")
def couch(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=stack.couch_url,
        auth=(stack.couch_user, stack.couch_password or ""),
        headers={"Accept": "application/json"},
        timeout=10,
    ) as client:
        yield client


@pytest.fixture(scope="module")
def desk_db(stack: Stack) -> str:
    return stack.service_env.get("RELAYPACS_DB_PREFIX", "") + "relaypacs_desk"


@pytest.fixture(scope="module")
def second_radiologist(stack: Stack) -> tuple[str, str]:
    """A second radiologist, created by sam through the gateway's admin API."""
    return create_user(stack, "kofi", "radiologist")


def sign_in(
    browser: Browser, url: str, username: str, password: str
) -> tuple[BrowserContext, Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())  # "sign this report?"
    page.goto(url)
    page.get_by_test_id("login-username").fill(username)
    page.get_by_test_id("login-password").fill(password)
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("nav-desk")).to_be_visible(timeout=10_000)
    expect(page.get_by_test_id("nav-capture")).to_have_count(0)  # role-based navigation
    expect(page.get_by_test_id("network-indicator")).to_have_attribute(
        "data-sync", re.compile("idle|active"), timeout=15_000
    )
    return context, page


def seed_worklist_entry(couch: httpx.Client, desk_db: str, study_id: str) -> dict:
    """What the bridge writes once a study is in the PACS (couch_design_docs WorklistEntry)."""
    entry = WorklistEntry(
        _id=worklist_doc_id("demo", study_id),
        study_id=study_id,
        clinic="demo",
        clinic_name="Demo Field Clinic",
        author="amina",
        patient=Patient(name="Mensah^Abena", id="P-4471"),
        study=StudyInfo(
            instance_uid=f"2.25.{uuid.uuid4().int}", modalities=["CT"], description="CT abdomen"
        ),
        priority="urgent",
        notes="query appendicitis, urgent",
        state="delivered",
        instance_count=3,
        received_at=now_timestamp(),
        delivered_at=now_timestamp(),
        viewer_url=f"http://127.0.0.1:1/app/explorer.html#find?study_uid={study_id}",
    ).to_doc()
    res = couch.put(f"/{desk_db}/{entry['_id']}", json=entry)
    assert res.status_code in (201, 202), res.text
    return entry


def wait_for_doc(couch: httpx.Client, db: str, doc_id: str, check, timeout: float = 10.0) -> dict:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        res = couch.get(f"/{db}/{doc_id}")
        if res.status_code == 200:
            last = res.json()
            if check(last):
                return last
        time.sleep(0.1)
    raise AssertionError(f"{doc_id} never matched; last seen {last}")


def test_desk_claim_conflict_and_signed_report(
    stack: Stack,
    browser: Browser,
    couch: httpx.Client,
    desk_db: str,
    second_radiologist: tuple[str, str],
    screenshot_dir: Path,
) -> None:
    url = stack.gateway.url
    kofi, kofi_password = second_radiologist
    osei_ctx, osei = sign_in(browser, url, "osei", stack.secrets["password_osei"])
    kofi_ctx, kofi_page = sign_in(browser, url, kofi, kofi_password)
    try:
        # -- a study arrives: both desks show it live, without a reload -----------------------
        study_id = uuid.uuid4().hex
        seed_worklist_entry(couch, desk_db, study_id)
        started = time.monotonic()
        row = osei.locator(f'[data-testid="worklist-row"][data-study-id="{study_id}"]')
        expect(row).to_be_visible(timeout=LIVE_WITHIN_MS)
        print(f"worklist entry visible after {(time.monotonic() - started) * 1000:.0f} ms")
        expect(row).to_have_attribute("data-state", "delivered")
        expect(row).to_have_attribute("data-priority", "urgent")
        expect(row).to_contain_text("Mensah Abena")
        osei.screenshot(path=screenshot_dir / "desk-worklist.png")
        kofi_row = kofi_page.locator(f'[data-testid="worklist-row"][data-study-id="{study_id}"]')
        expect(kofi_row).to_be_visible(timeout=5_000)

        # kofi opens it too, then his replica stops hearing news (as if a moment behind):
        # new _changes requests fail, and a link flap makes the app drop the one in flight
        kofi_row.get_by_test_id("worklist-open").click()
        expect(kofi_page.get_by_test_id("claim-button")).to_be_enabled()

        def hold_changes(route: Route) -> None:
            route.abort()

        kofi_page.route(re.compile(r".*/sync/[^/]+/_changes.*"), hold_changes)
        kofi_ctx.set_offline(True)
        kofi_ctx.set_offline(False)
        kofi_claims: list[int] = []
        kofi_page.on(
            "response",
            lambda r: (
                kofi_claims.append(r.status)
                if r.request.method == "PUT" and "/claim%3A" in r.url
                else None
            ),
        )

        # -- osei claims (direct PUT through the gateway) -----------------------------------
        row.get_by_test_id("worklist-open").click()
        expect(osei.get_by_test_id("viewer-link")).to_have_attribute(
            "href", re.compile(re.escape(study_id))
        )
        osei.get_by_test_id("claim-button").click()
        expect(osei.get_by_test_id("claim-mine")).to_be_visible(timeout=5_000)
        claim = wait_for_doc(couch, desk_db, claim_doc_id("demo", study_id), lambda d: True)
        assert claim["radiologist"] == "osei"

        # -- kofi clicks "claim" a moment later: 409 conflict, told who has it ---------------
        expect(kofi_page.get_by_test_id("claim-button")).to_be_visible()
        kofi_page.get_by_test_id("claim-button").click()
        taken = kofi_page.get_by_test_id("claimed-by")
        expect(taken).to_be_visible(timeout=5_000)
        expect(taken).to_have_attribute("data-radiologist", "osei")
        expect(taken).to_contain_text("taken by osei")
        kofi_page.screenshot(path=screenshot_dir / "desk-taken.png")
        expect(kofi_page.get_by_test_id("desk-findings")).to_have_count(0)
        assert kofi_claims == [409]  # the gateway decided, not the replicas
        kofi_page.unroute(re.compile(r".*/sync/[^/]+/_changes.*"), hold_changes)
        assert wait_for_doc(couch, desk_db, claim["_id"], lambda d: True)["radiologist"] == "osei"

        # -- osei gives it back: kofi's desk offers it again (live); osei takes it once more --
        osei.get_by_test_id("release-button").click()
        expect(osei.get_by_test_id("claim-button")).to_be_visible(timeout=5_000)
        expect(kofi_page.get_by_test_id("claim-button")).to_be_visible(timeout=10_000)
        assert wait_for_doc(couch, desk_db, claim["_id"], lambda d: bool(d.get("released_at")))
        osei.get_by_test_id("claim-button").click()
        expect(osei.get_by_test_id("claim-mine")).to_be_visible(timeout=5_000)
        expect(kofi_page.get_by_test_id("claimed-by")).to_have_attribute(
            "data-radiologist", "osei", timeout=10_000
        )
        held = wait_for_doc(couch, desk_db, claim["_id"], lambda d: not d.get("released_at"))
        assert held["radiologist"] == "osei"

        # -- osei writes a draft, then signs -------------------------------------------------
        findings = "Appendix 11 mm, periappendiceal fat stranding. No free air."
        impression = "Acute appendicitis."
        osei.get_by_test_id("desk-findings").fill(findings)
        osei.get_by_test_id("save-draft-button").click()
        expect(osei.get_by_test_id("report-message")).to_contain_text("Draft saved")
        report_id = desk_report_doc_id("demo", study_id)
        draft = wait_for_doc(couch, desk_db, report_id, lambda d: d.get("findings") == findings)
        assert draft["state"] == "draft" and draft["author"] == "osei"

        osei.get_by_test_id("desk-impression").fill(impression)
        osei.get_by_test_id("sign-button").click()
        editor = osei.get_by_test_id("report-editor")
        expect(editor).to_have_attribute("data-state", "final", timeout=5_000)
        expect(osei.get_by_test_id("desk-findings")).to_have_count(0)  # read only now
        expect(osei.get_by_test_id("sign-button")).to_have_count(0)
        expect(osei.get_by_test_id("desk-impression-final")).to_have_text(impression)
        osei.screenshot(path=screenshot_dir / "desk-signed.png")

        final = wait_for_doc(couch, desk_db, report_id, lambda d: d.get("state") == "final")
        assert final["author"] == "osei"
        assert final["findings"] == findings and final["impression"] == impression
        assert final["signed_at"] and final["study_id"] == study_id and final["clinic"] == "demo"
    finally:
        osei_ctx.close()
        kofi_ctx.close()


def test_admin_page_users_health_audit(
    stack: Stack, browser: Browser, screenshot_dir: Path
) -> None:
    """Sam's page against the real admin API: create and disable a user, health, audit."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    try:
        page.goto(stack.gateway.url)
        page.get_by_test_id("login-username").fill("sam")
        page.get_by_test_id("login-password").fill(stack.secrets["password_sam"])
        page.get_by_test_id("login-submit").click()
        expect(page.get_by_test_id("nav-admin")).to_be_visible(timeout=10_000)
        expect(page.get_by_test_id("nav-desk")).to_have_count(0)
        expect(page.locator('[data-testid="user-row"][data-username="osei"]')).to_be_visible()

        username = f"ama{uuid.uuid4().hex[:6]}"
        page.get_by_test_id("new-user-username").fill(username)
        page.get_by_test_id("new-user-password").fill(secrets.token_urlsafe(16))
        page.get_by_test_id("new-user-role").select_option("clinician")
        page.get_by_test_id("new-user-clinic").select_option("demo")
        page.get_by_test_id("new-user-submit").click()
        row = page.locator(f'[data-testid="user-row"][data-username="{username}"]')
        expect(row).to_have_attribute("data-active", "true", timeout=5_000)
        row.get_by_test_id("user-disable").click()
        expect(row).to_have_attribute("data-active", "false", timeout=5_000)
        page.screenshot(path=screenshot_dir / "admin-users.png", full_page=True)

        page.get_by_test_id("admin-tab-clinics").click()
        clinic = page.locator('[data-testid="clinic-row"][data-clinic-id="demo"]')
        expect(clinic.get_by_test_id("clinic-destinations")).to_contain_text("orthanc")

        page.get_by_test_id("admin-tab-health").click()
        expect(page.get_by_test_id("health-status")).to_be_visible(timeout=10_000)
        expect(
            page.locator('[data-testid="clinic-health-row"][data-clinic-id="demo"]')
        ).to_be_visible()
        expect(
            page.get_by_test_id("failures-empty").or_(page.get_by_test_id("failures-table"))
        ).to_be_visible()

        page.get_by_test_id("admin-tab-audit").click()
        expect(
            page.locator(
                '[data-testid="audit-row"][data-action="user_disable"][data-actor="sam"]'
            ).first
        ).to_be_visible(timeout=5_000)
    finally:
        context.close()


def test_clinician_keeps_the_clinic_app(stack: Stack, browser: Browser) -> None:
    """Role-based navigation: a clinician gets capture/studies/reports/inbox, never the desk."""
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(stack.gateway.url + "/desk/demo/abcdefgh")  # a desk link, as a push would give
        page.get_by_test_id("login-username").fill("amina")
        page.get_by_test_id("login-password").fill(stack.secrets["password_amina"])
        page.get_by_test_id("login-submit").click()
        expect(page.get_by_test_id("nav-capture")).to_be_visible(timeout=10_000)
        for tab in ("studies", "reports", "inbox"):
            expect(page.get_by_test_id(f"nav-{tab}")).to_be_visible()
        expect(page.get_by_test_id("nav-desk")).to_have_count(0)
        expect(page.get_by_test_id("nav-capture")).to_have_attribute("aria-current", "page")
        expect(page.get_by_test_id("file-input")).to_be_attached()
    finally:
        context.close()
