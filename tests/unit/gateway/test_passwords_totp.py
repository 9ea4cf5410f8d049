"""Password rules and hashing; TOTP codes and recovery codes."""

from __future__ import annotations

import pyotp
import pytest

from sync_gateway.auth import totp
from sync_gateway.auth.passwords import hash_password, password_problem, verify_password


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("", "empty"),
        ("short1", "at least"),
        ("x" * 73, "72 bytes"),
        ("é" * 40, "72 bytes"),  # 80 bytes in UTF-8
        ("password123", "easy"),
        ("amina-rocks-2026", "easy"),  # contains the username
        ("aaaaaaaaaaaa", "different"),
    ],
)
def test_weak_passwords_are_refused(password: str, problem: str) -> None:
    reason = password_problem(password, username="amina")
    assert reason is not None and problem in reason


def test_good_password_passes() -> None:
    assert password_problem("correct horse battery", username="amina") is None


async def test_hash_and_verify() -> None:
    hashed = await hash_password("correct horse battery", 4)
    assert hashed.startswith("$2b$04$")
    assert await verify_password("correct horse battery", hashed)
    assert not await verify_password("wrong horse battery", hashed)
    assert not await verify_password("x" * 100, hashed)  # over 72 bytes: no crash
    assert not await verify_password("anything", None, rounds=4)


def test_totp_codes_match_their_step_within_the_window() -> None:
    secret = totp.new_secret()
    otp = pyotp.TOTP(secret)
    now = 1_800_000_015.0  # 15 s into step 60,000,000
    assert totp.matched_step(secret, otp.at(now), now) == 60_000_000
    assert totp.matched_step(secret, otp.at(now - 30), now) == 59_999_999  # phone clock slow
    assert totp.matched_step(secret, otp.at(now + 30), now) == 60_000_001
    assert totp.matched_step(secret, "abcdef", now) is None
    assert totp.matched_step(secret, " " + otp.at(now)[:3] + " " + otp.at(now)[3:], now)
    uri = totp.provisioning_uri(secret, "amina", "RelayPACS")
    assert uri.startswith("otpauth://totp/RelayPACS:amina?secret=")


def test_recovery_codes_match_once_stored_as_hashes() -> None:
    codes = totp.new_recovery_codes(10)
    assert len(set(codes)) == 10
    hashes = [totp.hash_recovery_code(c) for c in codes]
    assert all(h.startswith("sha256:") and codes[0] not in h for h in hashes)
    assert totp.match_recovery_code(codes[3].upper(), hashes) == hashes[3]
    assert totp.match_recovery_code("nope", hashes) is None


def test_secrets_are_sealed_at_rest_and_only_this_key_opens_them() -> None:
    box = totp.SecretBox("key material of the gateway")
    secret = totp.new_secret()
    sealed = box.seal(secret)
    assert sealed.startswith(totp.SEALED) and secret not in sealed
    assert box.open(sealed) == secret
    assert box.open(secret) == secret  # enrolled before sealing: read as it is
    with pytest.raises(totp.SecretUnreadable):
        totp.SecretBox("another key").open(sealed)
