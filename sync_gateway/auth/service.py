"""Sign-in, refresh, logout, the current user, and TOTP enrolment.

Sessions are refresh-token families kept inside the user document (``sessions``), so the
users database holds nothing but user documents.  Rotation: each refresh answers a new
refresh token with the family's next generation; a token of an older generation is a replay
(someone kept an old token) and revokes the family.  Repeated wrong passwords lock the
account for ``lockout_minutes``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from couch_design_docs.models import Role
from couch_design_docs.names import DatabaseNames
from couch_design_docs.timestamps import parse_timestamp, to_timestamp
from relaypacs.types import Doc
from sync_gateway.access.policy import Principal, replicated_databases
from sync_gateway.accounts.store import UserStore, public_user
from sync_gateway.audit import AuditLog
from sync_gateway.auth import totp
from sync_gateway.auth.passwords import verify_password
from sync_gateway.auth.tokens import Claims, TokenService, new_family
from sync_gateway.errors import BadRequest, Unauthorized, Unprocessable
from sync_gateway.ratelimit import RateLimits
from sync_gateway.settings import GatewaySettings

BAD_CREDENTIALS = "wrong username or password"
CODE_USED = "that code was used already; wait for the next one"
log = logging.getLogger(__name__)


@dataclass
class Authenticated:
    """A verified access token and its user document."""

    claims: Claims
    user: Doc

    @property
    def principal(self) -> Principal:
        return Principal(self.user["username"], Role(self.user["role"]), self.user.get("clinic"))


class AuthService:
    def __init__(
        self,
        settings: GatewaySettings,
        names: DatabaseNames,
        users: UserStore,
        tokens: TokenService,
        limits: RateLimits,
        audit: AuditLog,
    ) -> None:
        self.settings = settings
        self.names = names
        self.users = users
        self.tokens = tokens
        self.box = totp.SecretBox(settings.totp_key_material)
        self.limits = limits
        self.audit = audit

    # -- answers --------------------------------------------------------------------------

    def _token_answer(self, user: Doc, fam: str, gen: int) -> dict[str, Any]:
        common = {
            "sub": user["username"],
            "role": user["role"],
            "clinic": user.get("clinic"),
            "tv": user.get("token_version", 0),
            "fam": fam,
        }
        principal = Principal(user["username"], Role(user["role"]), user.get("clinic"))
        return {
            "access_token": self.tokens.issue("access", **common),
            "refresh_token": self.tokens.issue("refresh", gen=gen, **common),
            "token_type": "bearer",
            "expires_in": self.tokens.access_seconds,
            "user": self.me(user, principal),
        }

    def me(self, user: Doc, principal: Principal | None = None) -> dict[str, Any]:
        principal = principal or Principal(user["username"], Role(user["role"]), user.get("clinic"))
        return {**public_user(user), "databases": replicated_databases(principal, self.names)}

    # -- login ----------------------------------------------------------------------------

    async def login(
        self, username: str, password: str, totp_code: str | None, ip: str
    ) -> dict[str, Any]:
        username = username.strip().lower()
        self.limits.hit(self.limits.login_ip, "login-ip", ip)
        self.limits.hit(self.limits.login_user, "login-user", username)
        now = datetime.now(UTC)
        user = await self.users.get(username, fresh=True) if username else None
        locked = (
            user is not None
            and user.get("locked_until")
            and parse_timestamp(user["locked_until"]) > now
        )
        password_ok = await verify_password(
            password, user.get("password_hash") if user else None, self.settings.bcrypt_rounds
        )
        if user is None or not password_ok or locked:
            if user is not None and not locked:
                await self._failed(username, now)
            self.audit.record(
                username or "?",
                "login",
                outcome="denied",
                ip=ip,
                detail="locked" if locked else "bad credentials",
            )
            if locked:
                minutes = max(
                    1, int((parse_timestamp(user["locked_until"]) - now).total_seconds() // 60)
                )
                raise Unauthorized(
                    f"too many failed sign-ins; the account is locked for {minutes} more minutes",
                    error="account_locked",
                )
            raise Unauthorized(BAD_CREDENTIALS)
        if not user.get("active", True):
            self.audit.record(username, "login", outcome="denied", ip=ip, detail="disabled")
            raise Unauthorized("this account is disabled", error="account_disabled")
        used_recovery, step = await self._second_factor(user, totp_code)
        fam = new_family()
        expires = now + timedelta(seconds=self.tokens.refresh_seconds)

        def change(current: Doc | None) -> Doc | None:
            if current is None:
                return None
            current["failed_logins"] = 0
            current.pop("locked_until", None)
            sessions = {
                k: v
                for k, v in current.get("sessions", {}).items()
                if parse_timestamp(v["expires_at"]) > now
            }
            while len(sessions) >= self.settings.max_sessions_per_user:
                oldest = min(sessions, key=lambda k: sessions[k]["created_at"])
                del sessions[oldest]
            sessions[fam] = {
                "generation": 0,
                "created_at": to_timestamp(now, "seconds"),
                "expires_at": to_timestamp(expires, "seconds"),
            }
            current["sessions"] = sessions
            second = current.get("totp")
            if used_recovery and second:
                second["recovery_codes"] = [
                    h for h in second["recovery_codes"] if h != used_recovery
                ]
            if step is not None and second:
                if step <= second.get("last_step", -1):  # a concurrent sign-in spent it
                    raise Unauthorized(CODE_USED, error="totp_required")
                second["last_step"] = step
                if not second["secret"].startswith(totp.SEALED):  # enrolled before sealing
                    second["secret"] = self.box.seal(second["secret"])
            return current

        user = await self.users.update(username, change)
        if user is None:
            raise Unauthorized(BAD_CREDENTIALS)
        self.audit.record(
            username,
            "login",
            role=user["role"],
            ip=ip,
            detail="recovery code" if used_recovery else None,
        )
        return self._token_answer(user, fam, 0)

    async def _second_factor(self, user: Doc, code: str | None) -> tuple[str | None, int | None]:
        """Check the TOTP code: the step it matched (to remember), or the hash of the
        recovery code it was (to spend)."""
        second = user.get("totp") or {}
        if not second.get("confirmed"):
            return None, None
        if not code:
            raise Unauthorized("enter the code from your authenticator app", error="totp_required")
        step = totp.matched_step(self._secret(user), code)
        if step is not None:
            if step <= second.get("last_step", -1):
                self.audit.record(user["username"], "login", outcome="denied", detail="code reused")
                raise Unauthorized(CODE_USED, error="totp_required")
            return None, step
        used = totp.match_recovery_code(code, second.get("recovery_codes", []))
        if used is None:
            self.audit.record(user["username"], "login", outcome="denied", detail="wrong code")
            raise Unauthorized("the authenticator code is wrong", error="totp_required")
        return used, None

    def _secret(self, user: Doc) -> str:
        try:
            return self.box.open(user["totp"]["secret"])
        except totp.SecretUnreadable as exc:
            log.warning("user %s: TOTP secret unreadable with this key", user.get("username"))
            raise Unauthorized(
                "two-factor cannot be checked on this server; ask an administrator to reset it",
                error="totp_required",
            ) from exc

    async def _failed(self, username: str, now: datetime) -> None:
        threshold = self.settings.lockout_threshold
        lock_until = to_timestamp(now + timedelta(minutes=self.settings.lockout_minutes), "seconds")

        def change(current: Doc | None) -> Doc | None:
            if current is None:
                return None
            failures = current.get("failed_logins", 0) + 1
            current["failed_logins"] = 0 if failures >= threshold else failures
            if failures >= threshold:
                current["locked_until"] = lock_until
            return current

        await self.users.update(username, change)

    # -- tokens ---------------------------------------------------------------------------

    async def authenticate(self, token: str) -> Authenticated:
        """An access token's user, if the token and its session are still good."""
        claims = self.tokens.decode(token, "access")
        user = await self.users.get(claims.sub)
        self._check_session(claims, user)
        assert user is not None
        return Authenticated(claims, user)

    def _check_session(self, claims: Claims, user: Doc | None) -> None:
        if user is None or not user.get("active", True):
            raise Unauthorized("this account is disabled or gone", error="account_disabled")
        if user.get("token_version", 0) != claims.tv:
            raise Unauthorized("this session has ended; sign in again")
        if claims.fam not in user.get("sessions", {}):
            raise Unauthorized("this session has ended; sign in again")

    async def refresh(self, refresh_token: str, ip: str) -> dict[str, Any]:
        self.limits.hit(self.limits.refresh, "refresh-ip", ip)
        claims = self.tokens.decode(refresh_token, "refresh")
        self.limits.hit(self.limits.refresh, "refresh-user", claims.sub)
        now = datetime.now(UTC)
        outcome: dict[str, Any] = {}

        def change(current: Doc | None) -> Doc | None:
            outcome.clear()
            if current is None:
                return None
            self._check_session(claims, current)
            session = current["sessions"][claims.fam]
            if claims.gen != session["generation"]:
                outcome["reuse"] = True
                del current["sessions"][claims.fam]
                return current
            session["generation"] += 1
            outcome["gen"] = session["generation"]
            return current

        user = await self.users.update(claims.sub, change)
        if user is None:
            raise Unauthorized("this account is disabled or gone", error="account_disabled")
        if outcome.get("reuse"):
            self.audit.record(
                claims.sub,
                "refresh",
                outcome="denied",
                ip=ip,
                detail="refresh token replayed; session revoked",
            )
            raise Unauthorized(
                "this refresh token was already used; the session is revoked", error="token_reused"
            )
        self.audit.record(claims.sub, "refresh", role=user["role"], ip=ip)
        del now
        return self._token_answer(user, claims.fam, outcome["gen"])

    async def logout(self, auth: Authenticated, ip: str) -> None:
        fam = auth.claims.fam

        def change(current: Doc | None) -> Doc | None:
            if current is None or fam not in current.get("sessions", {}):
                return None
            del current["sessions"][fam]
            return current

        await self.users.update(auth.claims.sub, change)
        self.audit.record(auth.claims.sub, "logout", role=auth.user["role"], ip=ip)

    # -- TOTP -----------------------------------------------------------------------------

    async def totp_enrol(self, auth: Authenticated) -> dict[str, str]:
        if (auth.user.get("totp") or {}).get("confirmed"):
            raise BadRequest("two-factor is already on; an administrator can reset it")
        secret = totp.new_secret()
        sealed = self.box.seal(secret)

        def change(current: Doc | None) -> Doc | None:
            if current is None:
                return None
            current["totp"] = {"secret": sealed, "confirmed": False, "recovery_codes": []}
            return current

        await self.users.update(auth.claims.sub, change)
        uri = totp.provisioning_uri(secret, auth.claims.sub, self.settings.totp_issuer)
        return {"secret": secret, "otpauth_uri": uri}

    async def totp_confirm(self, auth: Authenticated, code: str, ip: str) -> dict[str, list[str]]:
        current = await self.users.get(auth.claims.sub, fresh=True)
        second = (current or {}).get("totp") or {}
        if not second or second.get("confirmed"):
            raise BadRequest("start with /api/v1/auth/totp/enrol")
        step = totp.matched_step(self._secret(current or {}), code)
        if step is None:  # she is signed in: a wrong code is a wrong value, not a 401
            raise Unprocessable("the authenticator code is wrong", error="totp_invalid")
        codes = totp.new_recovery_codes(self.settings.recovery_code_count)

        def change(doc: Doc | None) -> Doc | None:
            if doc is None or not doc.get("totp") or doc["totp"]["secret"] != second["secret"]:
                return None
            doc["totp"] = {
                "secret": second["secret"],
                "confirmed": True,
                "last_step": step,
                "recovery_codes": [totp.hash_recovery_code(c) for c in codes],
            }
            return doc

        await self.users.update(auth.claims.sub, change)
        self.audit.record(auth.claims.sub, "totp_enrol", role=auth.user["role"], ip=ip)
        return {"recovery_codes": codes}
