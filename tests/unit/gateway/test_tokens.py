"""Token issue and verification: lifetimes, tampering, types."""

from __future__ import annotations

import base64
import json
import time

import pytest

from sync_gateway.auth.tokens import TokenService, signing_key
from sync_gateway.errors import Unauthorized

SECRET = "s" * 40


def service(secret: str = SECRET) -> TokenService:
    return TokenService(secret, access_seconds=3600, refresh_seconds=7 * 86400)


def issue(typ="access", **over) -> str:
    claims = {"sub": "amina", "role": "clinician", "clinic": "north", "tv": 3, "fam": "F1"}
    claims.update(over)
    return service().issue(typ, **claims)


def test_round_trip() -> None:
    claims = service().decode(issue(), "access")
    assert (claims.sub, claims.role, claims.clinic, claims.tv, claims.fam) == (
        "amina",
        "clinician",
        "north",
        3,
        "F1",
    )
    assert claims.exp - time.time() == pytest.approx(3600, abs=5)


def test_refresh_lifetime_and_generation() -> None:
    claims = service().decode(issue("refresh", gen=4), "refresh")
    assert claims.gen == 4
    assert claims.exp - time.time() == pytest.approx(7 * 86400, abs=5)


def test_expired_token_is_refused() -> None:
    token = service().issue(
        "access", sub="a", role="admin", clinic=None, tv=0, fam="F", now=time.time() - 7200
    )
    with pytest.raises(Unauthorized) as info:
        service().decode(token, "access")
    assert info.value.error == "token_expired"


def test_tampered_token_is_refused() -> None:
    header, payload, signature = issue().split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["role"] = "admin"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    with pytest.raises(Unauthorized):
        service().decode(f"{header}.{forged}.{signature}", "access")


def test_token_signed_with_another_secret_is_refused() -> None:
    token = service("o" * 40).issue("access", sub="a", role="admin", clinic=None, tv=0, fam="F")
    with pytest.raises(Unauthorized):
        service().decode(token, "access")


def test_none_algorithm_is_refused() -> None:
    header = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=").decode()
    _, payload, _ = issue().split(".")
    with pytest.raises(Unauthorized):
        service().decode(f"{header}.{payload}.", "access")


def test_refresh_token_is_not_an_access_token() -> None:
    with pytest.raises(Unauthorized):
        service().decode(issue("refresh"), "access")
    with pytest.raises(Unauthorized):
        service().decode(issue("access"), "refresh")


@pytest.mark.parametrize("garbage", ["", "abc", "a.b.c", "Bearer x"])
def test_garbage_is_refused(garbage: str) -> None:
    with pytest.raises(Unauthorized):
        service().decode(garbage, "access")


def test_short_development_secret_is_stretched() -> None:
    assert len(signing_key("change-me")) == 32
    assert signing_key(SECRET) == SECRET.encode()


def test_a_remembered_token_still_expires_and_keeps_its_type() -> None:
    tokens = service()
    start = time.time()
    token = tokens.issue("access", sub="a", role="admin", clinic=None, tv=0, fam="F", now=start)
    assert tokens.decode(token, "access", now=start).sub == "a"  # verified, remembered
    assert tokens.decode(token, "access", now=start + 3600).sub == "a"  # within leeway
    with pytest.raises(Unauthorized) as info:
        tokens.decode(token, "access", now=start + 3600 + 60)
    assert info.value.error == "token_expired"
    with pytest.raises(Unauthorized, match="refresh token is needed"):
        tokens.decode(token, "refresh", now=start)


def test_a_forgery_of_a_remembered_token_is_refused() -> None:
    tokens = service()
    genuine = issue()
    tokens.decode(genuine, "access")
    header, payload, signature = genuine.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["sub"] = "bakari"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    with pytest.raises(Unauthorized, match="not valid"):
        tokens.decode(f"{header}.{forged}.{signature}", "access")
