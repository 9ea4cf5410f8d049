"""Password hashing (bcrypt, cost from settings) and the rules a new password must meet.

bcrypt only reads 72 bytes and bcrypt 5 raises beyond that: such a password is refused with
422 rather than truncated silently.  Hashing is slow on purpose (~0.25 s at cost 12), so it
runs in a worker thread and never blocks the event loop.
"""

from __future__ import annotations

import asyncio

import bcrypt

from sync_gateway.errors import Unprocessable

MAX_PASSWORD_BYTES = 72
COMMON = frozenset(
    {
        "password",
        "password1",
        "password123",
        "123456789",
        "1234567890",
        "qwertyuiop",
        "letmein123",
        "iloveyou12",
        "administrator",
        "changeme123",
        "welcome123",
        "relaypacs",
    }
)
_dummy_hashes: dict[int, bytes] = {}


def _dummy_hash(rounds: int) -> bytes:
    """A real hash to check against when the user does not exist (same timing)."""
    if rounds not in _dummy_hashes:
        _dummy_hashes[rounds] = bcrypt.hashpw(b"no such user", bcrypt.gensalt(rounds))
    return _dummy_hashes[rounds]


def password_problem(password: str, *, username: str = "", min_length: int = 10) -> str | None:
    """Why ``password`` is not acceptable, or None."""
    if not password:
        return "the password is empty"
    if len(password.encode()) > MAX_PASSWORD_BYTES:
        return f"the password is longer than {MAX_PASSWORD_BYTES} bytes"
    if len(password) < min_length:
        return f"the password needs at least {min_length} characters"
    lowered = password.lower()
    if lowered in COMMON or (username and username.lower() in lowered):
        return "the password is too easy to guess"
    if len(set(password)) < 4:
        return "the password needs more different characters"
    return None


def check_password(password: str, *, username: str = "", min_length: int = 10) -> None:
    problem = password_problem(password, username=username, min_length=min_length)
    if problem:
        raise Unprocessable(problem, error="weak_password")


async def hash_password(password: str, rounds: int) -> str:
    def work() -> str:
        return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds)).decode()

    return await asyncio.to_thread(work)


async def verify_password(password: str, password_hash: str | None, rounds: int = 12) -> bool:
    raw = password.encode()
    if len(raw) > MAX_PASSWORD_BYTES:
        return False

    def work() -> bool:
        target = password_hash.encode() if password_hash else _dummy_hash(rounds)
        try:
            ok = bcrypt.checkpw(raw, target)
        except ValueError:
            return False
        return ok and password_hash is not None

    return await asyncio.to_thread(work)
