"""TOTP two-factor (RFC 6238, via pyotp) and one-time recovery codes.

Secrets are stored sealed (:class:`SecretBox`: Fernet with a key derived from the gateway's
key material), so a copy of the users database does not hand out second factors.  A code
works once: the step it matched is remembered and that step or an earlier one is refused
(RFC 6238 §5.2).  Recovery codes are random (80 bits) and stored only as sha256 digests;
each one works once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time

import pyotp
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

VALID_WINDOW = 1  # accept the previous and next 30 s step (clock drift on phones)
SEALED = "fernet:"


class SecretUnreadable(Exception):
    """A sealed secret that this key cannot open (the key material changed)."""


class SecretBox:
    """TOTP secrets at rest: Fernet (AES-CBC + HMAC-SHA256), key derived by HKDF-SHA256."""

    def __init__(self, key_material: str) -> None:
        key = HKDF(algorithm=SHA256(), length=32, salt=None, info=b"relaypacs totp secrets").derive(
            key_material.encode()
        )
        self._fernet = Fernet(base64.urlsafe_b64encode(key))

    def seal(self, secret: str) -> str:
        return SEALED + self._fernet.encrypt(secret.encode()).decode()

    def open(self, stored: str) -> str:
        if not stored.startswith(SEALED):
            return stored  # enrolled before secrets were sealed: sealed at the next sign-in
        try:
            return self._fernet.decrypt(stored[len(SEALED) :].encode()).decode()
        except InvalidToken as exc:
            raise SecretUnreadable("the TOTP secret was sealed with another key") from exc


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, username: str, issuer: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=issuer)


def matched_step(secret: str, code: str, now: float | None = None) -> int | None:
    """The 30 s step ``code`` is right for (within the window), or None."""
    code = code.strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return None
    otp = pyotp.TOTP(secret)
    step = int(time.time() if now is None else now) // otp.interval
    for candidate in range(step - VALID_WINDOW, step + VALID_WINDOW + 1):
        if hmac.compare_digest(otp.at(candidate * otp.interval), code):
            return candidate
    return None


def new_recovery_codes(count: int) -> list[str]:
    return [f"{secrets.token_hex(5)}-{secrets.token_hex(5)}" for _ in range(count)]


def hash_recovery_code(code: str) -> str:
    normalized = code.strip().lower().replace(" ", "")
    return "sha256:" + hashlib.sha256(normalized.encode()).hexdigest()


def match_recovery_code(code: str, hashes: list[str]) -> str | None:
    """The stored hash ``code`` matches (to remove it), or None."""
    wanted = hash_recovery_code(code)
    for stored in hashes:
        if hmac.compare_digest(stored, wanted):
            return stored
    return None
