"""Access and refresh tokens: JWTs (RFC 7519) signed with HS256 (RFC 7518 §3.2).

An access token lives ``access_token_minutes``; a refresh token ``refresh_token_days``.
Both name the user (``sub``), the user document's ``token_version`` (``tv``: bumped on
disable and password reset, which kills every token at once) and the refresh-token family
(``fam``: one signed-in device; logout or a detected replay deletes it, which kills that
device's tokens).  A refresh token also carries its family's ``gen``: rotation increments
it, and presenting an older generation is a replay of a stolen token.

Pure apart from the clock, which callers may pass in.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import Any, Literal

import jwt

from sync_gateway.errors import Unauthorized

ALGORITHM = "HS256"
ISSUER = "relaypacs"
LEEWAY_SECONDS = 5
VERIFIED_CACHE_SIZE = 10_000


@dataclass(frozen=True)
class Claims:
    typ: Literal["access", "refresh"]
    sub: str
    role: str
    clinic: str | None
    tv: int
    fam: str
    gen: int
    exp: int
    jti: str


def signing_key(secret: str) -> bytes:
    """The HMAC key: the secret itself, or (a short development placeholder) its sha256."""
    raw = secret.encode()
    return raw if len(raw) >= 32 else hashlib.sha256(b"relaypacs-dev-key:" + raw).digest()


def new_family() -> str:
    return secrets.token_urlsafe(16)


class TokenService:
    def __init__(self, secret: str, *, access_seconds: int, refresh_seconds: int) -> None:
        self._key = signing_key(secret)
        self._verified: dict[str, Claims] = {}  # token -> claims, oldest first
        self.access_seconds = access_seconds
        self.refresh_seconds = refresh_seconds

    def issue(
        self,
        typ: Literal["access", "refresh"],
        *,
        sub: str,
        role: str,
        clinic: str | None,
        tv: int,
        fam: str,
        gen: int = 0,
        now: float | None = None,
    ) -> str:
        issued = int(now if now is not None else time.time())
        lifetime = self.access_seconds if typ == "access" else self.refresh_seconds
        payload: dict[str, Any] = {
            "iss": ISSUER,
            "typ": typ,
            "sub": sub,
            "role": role,
            "clinic": clinic,
            "tv": tv,
            "fam": fam,
            "gen": gen,
            "iat": issued,
            "exp": issued + lifetime,
            "jti": secrets.token_urlsafe(12),
        }
        return jwt.encode(payload, self._key, algorithm=ALGORITHM)

    def decode(
        self, token: str, typ: Literal["access", "refresh"], *, now: float | None = None
    ) -> Claims:
        """Verify signature, issuer, expiry and type; raise Unauthorized saying which failed.

        A token whose signature checked out is remembered (its claims cannot change), so
        the hundreds of requests a replication makes with one token verify it once; its
        expiry is checked every time.
        """
        claims = self._verified.get(token)
        if claims is None:
            claims = self._verify(token)
            if len(self._verified) >= VERIFIED_CACHE_SIZE:
                del self._verified[next(iter(self._verified))]  # the oldest
            self._verified[token] = claims
        if claims.exp + LEEWAY_SECONDS < (time.time() if now is None else now):
            raise Unauthorized("the token has expired", error="token_expired")
        if claims.typ != typ:
            raise Unauthorized(f"{'an' if typ == 'access' else 'a'} {typ} token is needed here")
        return claims

    def _verify(self, token: str) -> Claims:
        options = {"require": ["exp", "iat", "sub", "typ", "fam"], "verify_exp": False}
        try:
            payload = jwt.decode(
                token,
                self._key,
                algorithms=[ALGORITHM],
                issuer=ISSUER,
                leeway=LEEWAY_SECONDS,
                options=options,
            )
        except jwt.InvalidTokenError as exc:
            raise Unauthorized("the token is not valid") from exc
        try:
            return Claims(
                typ=payload["typ"],
                sub=str(payload["sub"]),
                role=str(payload.get("role", "")),
                clinic=payload.get("clinic"),
                tv=int(payload.get("tv", 0)),
                fam=str(payload["fam"]),
                gen=int(payload.get("gen", 0)),
                exp=int(payload["exp"]),
                jti=str(payload.get("jti", "")),
            )
        except (TypeError, ValueError) as exc:
            raise Unauthorized("the token is not valid") from exc
