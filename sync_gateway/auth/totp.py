"""TOTP two-factor (RFC 6238, via pyotp) and one-time recovery codes.

Recovery codes are random (80 bits) and stored only as sha256 digests; each one works once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

import pyotp

VALID_WINDOW = 1  # accept the previous and next 30 s step (clock drift on phones)


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, username: str, issuer: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=issuer)


def verify_code(secret: str, code: str) -> bool:
    code = code.strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return False
    return pyotp.TOTP(secret).verify(code, valid_window=VALID_WINDOW)


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
