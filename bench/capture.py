"""Capturing a big study in the browser: memory stays flat and the page never freezes.

Amina's journey (JOURNEYS.md, 2): she picks a CT export offline and "her phone does not
freeze or run out of memory on a 2 GB study".  This runs the built PWA in Debian's Chromium
(served by a gateway on its own CouchDB-protocol server), signs in, goes offline, and picks
a generated CT study of ``--mb`` (~0.5 MB slices, as scanners export them); the app parses,
fingerprints and stores every file as chunk documents in IndexedDB.  It does the same for a
study of ``--small-mb`` first, so the two memory figures show whether memory grows with
the study.  Side by side, the baseline is the least any capture must do: the same browser
reading every file once in 1 MiB slices and hashing each slice with WebCrypto, no storing.

The last line is one JSON object:

- ``capture_s`` / ``baseline_s``: time from picking the files to every file stored (the
  seal button says "Seal and send") / to every file read and hashed; ``ratio`` = capture /
  baseline;
- ``browser_rss_growth_mb``: peak RSS of all the browser's processes while capturing, minus
  before picking (``small_browser_rss_growth_mb`` the same for the small study), and
  ``growth_per_gb_mb``: how much more the big study needed than the small one, per GB;
- ``longest_task_ms`` / ``tasks_over_200ms``: the page's longest main-thread task while
  capturing (Long Tasks API), and how many ran over 200 ms (a tap waits for them).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from playwright.sync_api import BrowserContext, Page, Playwright, expect, sync_playwright

from bench.common import PASSWORD, USER, PeakSampler, gateway_on_couch, rss_mb
from bench.dicom import count_for, generate

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync",
                 "--disable-background-networking", "--disable-component-update"]  # fmt: skip
MB = 1024 * 1024

# every file read once, 1 MiB at a time, each slice hashed by WebCrypto (nothing kept)
BASELINE = """async () => {
    const files = [...document.getElementById("bench-files").files];
    const started = performance.now();
    for (const file of files)
        for (let at = 0; at < file.size; at += 1048576) {
            const slice = await file.slice(at, at + 1048576).arrayBuffer();
            await crypto.subtle.digest("SHA-256", slice);
        }
    return (performance.now() - started) / 1000;
}"""

WATCH_LONG_TASKS = """() => {
    window.__longTasks = [];
    new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) window.__longTasks.push(entry.duration);
    }).observe({ type: "longtask" });
}"""


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (one that exits meanwhile is skipped)."""
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        try:
            children = [
                int(c)
                for task in Path(f"/proc/{parent}/task").iterdir()
                for c in (task / "children").read_text().split()
            ]
        except OSError:
            continue
        found += children
        frontier += children
    return found


def browser_rss_mb() -> float:
    """Resident memory of every Chromium process this benchmark started."""
    chromium = [pid for pid in descendants(os.getpid()) if b"chrom" in _cmdline(pid)]
    return sum(rss_mb(pid) for pid in chromium)


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def sign_in(page: Page, url: str) -> None:
    page.goto(url + "/")
    page.get_by_test_id("login-username").fill(USER)
    page.get_by_test_id("login-password").fill(PASSWORD)
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("nav-capture")).to_be_visible(timeout=30_000)
    page.wait_for_function("navigator.serviceWorker.ready.then(r => !!r.active)")


def installed_app(playwright: Playwright, profile: Path) -> BrowserContext:
    """A browser with a profile on disk, as on a phone: Playwright's usual contexts are
    incognito, whose IndexedDB lives in memory (every stored chunk would stay in RAM)."""
    return playwright.chromium.launch_persistent_context(
        profile, executable_path=CHROMIUM, args=CHROMIUM_ARGS
    )


def capture(playwright: Playwright, profile: Path, url: str, files: list[Path]) -> dict[str, Any]:
    """Pick ``files`` in a fresh offline app and wait until all are stored."""
    context = installed_app(playwright, profile)
    try:
        page = context.new_page()
        sign_in(page, url)
        context.set_offline(True)
        page.get_by_test_id("nav-capture").click()
        page.evaluate(WATCH_LONG_TASKS)
        time.sleep(1.0)  # let start-up settle before the "before" memory
        before = browser_rss_mb()
        sampler = PeakSampler(browser_rss_mb, every=0.1)
        sampler.start()
        started = time.perf_counter()
        page.get_by_test_id("file-input").set_input_files([str(p) for p in files])
        card = page.get_by_test_id("study-card")
        expect(card.get_by_test_id("study-files")).to_contain_text(
            f"{len(files)} files", timeout=3_600_000
        )
        # "Seal and send" (not "Seal when saved"): every file is stored
        expect(card.get_by_test_id("seal-button")).to_have_text("Seal and send", timeout=3_600_000)
        seconds = time.perf_counter() - started
        peak = sampler.stop()
        tasks = page.evaluate("window.__longTasks")
        return {
            "seconds": seconds,
            "rss_before_mb": before,
            "rss_growth_mb": peak - before,
            "longest_task_ms": max(tasks, default=0.0),
            "tasks_over_200ms": sum(1 for t in tasks if t > 200),
        }
    finally:
        context.close()


def baseline(playwright: Playwright, profile: Path, url: str, files: list[Path]) -> float:
    """Seconds for the same browser to read and hash every file once (nothing stored)."""
    context = installed_app(playwright, profile)
    try:
        page = context.new_page()
        page.goto(url + "/healthz")  # the gateway's origin: a secure context for WebCrypto
        page.evaluate(
            """() => {
                const input = Object.assign(document.createElement("input"),
                                            { type: "file", multiple: true, id: "bench-files" });
                document.body.append(input);
            }"""
        )
        page.set_input_files("#bench-files", [str(p) for p in files])
        return float(page.evaluate(BASELINE))
    finally:
        context.close()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench capture", description=__doc__)
    parser.add_argument("--mb", type=float, default=1024, help="the study to capture")
    parser.add_argument("--small-mb", type=float, default=128, help="the study to compare")
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"needs {CHROMIUM} (scripts/install.sh installs it)")
    with tempfile.TemporaryDirectory(prefix="bench-capture-") as tmp:
        _, small = generate(Path(tmp) / "small", count_for(args.small_mb * MB))
        _, big = generate(Path(tmp) / "big", count_for(args.mb * MB))
        small_paths = [f["path"] for f in small]
        big_paths = [f["path"] for f in big]
        size_mb = sum(f["size"] for f in big) / MB
        print(f"capturing {len(big)} files ({size_mb:.0f} MB) after {len(small)} ...", flush=True)
        with gateway_on_couch("bench-capture-") as world, sync_playwright() as playwright:
            url, profiles = world.gateway.url, Path(tmp)
            first = baseline(playwright, profiles / "baseline1", url, big_paths)
            small_run = capture(playwright, profiles / "small", url, small_paths)
            big_run = capture(playwright, profiles / "big", url, big_paths)
            second = baseline(playwright, profiles / "baseline2", url, big_paths)
    base = min(first, second)
    extra_gb = (size_mb - sum(f["size"] for f in small) / MB) / 1024
    result = {
        "benchmark": "capture",
        "files": len(big),
        "study_mb": round(size_mb, 1),
        "capture_s": round(big_run["seconds"], 2),
        "capture_mb_s": round(size_mb / big_run["seconds"], 1),
        "baseline_s": round(base, 2),
        "baseline_runs_s": [round(first, 2), round(second, 2)],
        "ratio": round(big_run["seconds"] / base, 2),
        "browser_rss_before_mb": round(big_run["rss_before_mb"], 1),
        "browser_rss_growth_mb": round(big_run["rss_growth_mb"], 1),
        "small_study_mb": round(sum(f["size"] for f in small) / MB, 1),
        "small_browser_rss_growth_mb": round(small_run["rss_growth_mb"], 1),
        "growth_per_gb_mb": round(
            (big_run["rss_growth_mb"] - small_run["rss_growth_mb"]) / max(extra_gb, 1e-6), 1
        ),
        "longest_task_ms": round(big_run["longest_task_ms"], 1),
        "tasks_over_200ms": big_run["tasks_over_200ms"],
    }
    print(json.dumps(result))
    return 0
