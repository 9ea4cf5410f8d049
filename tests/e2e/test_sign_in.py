"""Amina's first step (JOURNEYS.md): she signs in with her authenticator code, in Chromium.

A clinician sam has just created turns two-factor sign-in on from her Account page: the
page shows the key, the otpauth link for her authenticator app and the same link as a QR
code (the SVG it drew, painted by Chromium, is scanned back with jsQR); a mistyped code is
refused in words; the app's current code turns it on and she is shown her recovery codes
once.  Signed out, her password alone then asks for the code; a wrong code is refused in
words; the app's code signs her in; and on her phone's numeric keypad she could not type a
recovery code, so the form switches to one, which signs her in once.

The codes come from pyotp with the key the page showed, as her authenticator app would.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import httpx
import pyotp
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from relaypacs.stack import Stack
from tests.e2e.accounts import create_user

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]

UI_TIMEOUT_MS = 15_000
JSQR = Path(__file__).resolve().parents[2] / "pwa" / "node_modules" / "jsqr" / "dist" / "jsQR.js"


def submit_password(page: Page, username: str, password: str) -> None:
    expect(page.get_by_test_id("login-form")).to_be_visible(timeout=UI_TIMEOUT_MS)
    page.get_by_test_id("login-username").fill(username)
    page.get_by_test_id("login-password").fill(password)
    page.get_by_test_id("login-submit").click()


def submit_code(page: Page, code: str) -> None:
    page.get_by_test_id("login-totp").fill(code)
    page.get_by_test_id("login-submit").click()


def signed_in(page: Page) -> None:
    expect(page.get_by_test_id("nav-capture")).to_be_visible(timeout=UI_TIMEOUT_MS)


def sign_out(page: Page) -> None:
    page.get_by_test_id("logout-button").click()
    expect(page.get_by_test_id("login-form")).to_be_visible(timeout=UI_TIMEOUT_MS)


def scan(context: BrowserContext, svg: str) -> str | None:
    """What a QR code drawn as this SVG says: Chromium paints it (twice the size) in a blank
    page and jsQR reads the pixels.  The markup, not a screenshot of the screen, so nothing
    the page scrolls over it can hide a corner."""
    if "xmlns=" not in svg:
        svg = svg.replace("<svg", '<svg xmlns="http://www.w3.org/2000/svg"', 1)
    page = context.new_page()
    try:
        page.add_script_tag(path=str(JSQR))
        return page.evaluate(
            """async (svg) => {
                const img = new Image();
                img.src = "data:image/svg+xml;base64," + btoa(svg);
                await img.decode();
                const canvas = Object.assign(document.createElement("canvas"), {
                    width: 2 * img.width, height: 2 * img.height,
                });
                const g = canvas.getContext("2d");
                g.imageSmoothingEnabled = false;
                g.drawImage(img, 0, 0, canvas.width, canvas.height);
                const pixels = g.getImageData(0, 0, canvas.width, canvas.height);
                return jsQR(pixels.data, pixels.width, pixels.height)?.data ?? null;
            }""",
            svg,
        )
    finally:
        page.close()


def wrong_code(right: str) -> str:
    return "000000" if right != "000000" else "111111"


def test_clinician_turns_on_two_factor_and_signs_in_with_it(browser: Browser, stack: Stack):
    username, password = create_user(stack, "nadia", "clinician", "demo")
    context = browser.new_context(viewport={"width": 412, "height": 915})
    page = context.new_page()
    page.goto(stack.gateway.url + "/")
    submit_password(page, username, password)
    signed_in(page)

    # her Account page: off; the key and the link for the authenticator app
    page.get_by_test_id("nav-account").click()
    panel = page.get_by_test_id("two-factor")
    expect(panel).to_have_attribute("data-state", "off", timeout=UI_TIMEOUT_MS)
    page.get_by_test_id("totp-start").click()
    shown = page.get_by_test_id("totp-secret")
    expect(shown).to_have_text(re.compile(r"^([A-Z2-7]{4} )+[A-Z2-7]{1,4}$"))
    key = shown.inner_text().replace(" ", "")
    link = page.get_by_test_id("totp-link")
    expect(link).to_have_attribute("href", re.compile(rf"^otpauth://totp/.*[?&]secret={key}(&|$)"))
    qr = page.get_by_test_id("totp-qr").evaluate("svg => svg.outerHTML")
    assert scan(context, qr) == link.get_attribute("href")
    app = pyotp.TOTP(key)
    page.get_by_test_id("totp-code").fill(wrong_code(app.now()))
    page.get_by_test_id("totp-confirm").click()
    expect(page.get_by_test_id("totp-problem")).to_contain_text("did not work")
    expect(panel).to_have_attribute("data-state", "enrolling")
    page.get_by_test_id("totp-code").fill(app.now())
    page.get_by_test_id("totp-confirm").click()
    codes = page.get_by_test_id("recovery-codes").locator("li")
    expect(codes).to_have_count(10, timeout=UI_TIMEOUT_MS)
    recovery = codes.nth(3).inner_text()
    page.get_by_test_id("totp-done").click()
    expect(panel).to_have_attribute("data-state", "on")
    page.reload()  # what the gateway says, not what the page remembers
    expect(panel).to_have_attribute("data-state", "on", timeout=UI_TIMEOUT_MS)

    # the password alone asks for the code; a wrong one is refused in words
    sign_out(page)
    submit_password(page, username, password)
    expect(page.get_by_test_id("login-totp")).to_be_visible(timeout=UI_TIMEOUT_MS)
    expect(page.get_by_test_id("login-submit")).to_have_text("Verify code")
    expect(page.get_by_test_id("nav-capture")).to_have_count(0)
    submit_code(page, wrong_code(app.now()))
    expect(page.get_by_test_id("login-error")).to_contain_text("did not work")
    # the code that turned it on is spent; the app's next one is inside the window
    submit_code(page, app.at(time.time() + app.interval))
    signed_in(page)

    # a recovery code: the field stops being a numeric keypad; it works once
    sign_out(page)
    submit_password(page, username, password)
    expect(page.get_by_test_id("login-totp")).to_have_attribute("inputmode", "numeric")
    page.get_by_test_id("login-use-recovery").click()
    expect(page.get_by_test_id("login-totp")).to_have_attribute("inputmode", "text")
    submit_code(page, recovery)
    signed_in(page)
    context.close()

    spent = httpx.post(
        f"{stack.gateway.url}/api/v1/auth/login",
        json={"username": username, "password": password, "totp_code": recovery},
    )
    assert spent.status_code == 401, spent.text
