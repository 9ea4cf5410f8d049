"""Amina's journey against a running stack, in Debian's chromium (a manual smoke check).

    .venv/bin/python pwa/e2e/clinician_smoke.py URL USERNAME PASSWORD [SCREENSHOT_DIR]

Signs in, goes offline, picks two of pydicom's bundled files and a text file, checks the
text file is turned away with a reason, adds notes and priority, seals, reloads while
offline (the studies are still there), goes online and waits for `delivered`, the
integrity receipt and the freed space. The pytest end-to-end suite belongs in tests/;
this shows the data-testid hooks it can use (see pwa/README.md).
"""

from __future__ import annotations

import re
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import expect, sync_playwright
from pydicom.data import get_testdata_file

ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def main(url: str, username: str, password: str, shots: Path) -> None:
    shots.mkdir(parents=True, exist_ok=True)
    text = shots / "notes.txt"
    text.write_text("not a DICOM file\n")
    files = [get_testdata_file("CT_small.dcm"), get_testdata_file("MR_small.dcm"), str(text)]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        ctx = browser.new_context(viewport={"width": 420, "height": 900})
        page = ctx.new_page()
        page.goto(url)
        page.get_by_test_id("login-username").fill(username)
        page.get_by_test_id("login-password").fill(password)
        page.get_by_test_id("login-submit").click()
        expect(page.get_by_test_id("nav-capture")).to_be_visible(timeout=10_000)
        page.evaluate("navigator.serviceWorker.ready.then(() => true)")  # shell precached
        indicator = page.get_by_test_id("network-indicator")
        expect(indicator).to_have_attribute("data-sync", re.compile("idle|active"), timeout=15_000)

        ctx.set_offline(True)
        page.get_by_test_id("file-input").set_input_files(files)
        rejected = page.get_by_test_id("rejected-file")
        expect(rejected).to_have_count(1, timeout=10_000)
        expect(rejected.get_by_test_id("rejection-reason")).to_contain_text("not a DICOM file")
        drafts = page.locator('[data-testid="study-card"][data-state="draft"]')
        expect(drafts).to_have_count(2, timeout=10_000)
        for i in range(2):
            card = drafts.nth(i)
            expect(card.get_by_test_id("seal-button")).to_be_enabled(timeout=30_000)
            card.get_by_test_id("study-notes").fill("query appendicitis, urgent")
            card.get_by_test_id("study-priority").select_option("urgent")
        page.screenshot(path=str(shots / "upload.png"), full_page=True)
        ids = [drafts.nth(i).get_attribute("data-study-id") for i in range(2)]
        cards = [page.locator(f'[data-testid="study-card"][data-study-id="{i}"]') for i in ids]
        for card in cards:
            card.get_by_test_id("seal-button").click()
            expect(card).to_have_attribute("data-state", "sealed", timeout=10_000)
        sealed = page.locator(",".join(f'[data-testid="study-card"][data-study-id="{i}"]' for i in ids))
        expect(sealed).to_have_count(2)
        expect(sealed.get_by_test_id("status-badge").first).to_have_text("waiting")
        expect(page.get_by_test_id("pending-count")).not_to_have_attribute("data-pending", "0")

        page.reload()  # offline: served by the service worker, data from IndexedDB
        expect(sealed).to_have_count(2, timeout=10_000)

        ctx.set_offline(False)
        page.goto(url + "#/studies")
        rows = [page.locator(f'[data-testid="dashboard-row"][data-study-id="{i}"]') for i in ids]
        started = time.monotonic()
        for row in rows:
            expect(row).to_have_attribute("data-state", "delivered", timeout=120_000)
        print(f"delivered after {time.monotonic() - started:.1f} s")
        for row in rows:
            expect(row.get_by_test_id("status-badge")).to_have_text("delivered")
            expect(row.get_by_test_id("integrity-receipt")).to_have_attribute("data-all-match", "true")
            expect(row.get_by_test_id("freed-space")).to_be_visible(timeout=30_000)
        page.screenshot(path=str(shots / "dashboard.png"), full_page=True)
        browser.close()
    print("ok")


if __name__ == "__main__":
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    out = Path(sys.argv[4]) if len(sys.argv) > 4 else Path(tempfile.mkdtemp(prefix="relaypacs-e2e-"))
    main(sys.argv[1].rstrip("/") + "/", sys.argv[2], sys.argv[3], out)
