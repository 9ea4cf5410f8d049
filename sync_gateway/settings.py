"""The gateway's settings: :class:`relaypacs.settings.CoreSettings` plus its own fields.

Every field is read from ``RELAYPACS_<FIELD>`` (e.g. ``RELAYPACS_JWT_SECRET``).  Outside
development the base validator refuses placeholder secrets, and this one refuses a JWT
secret shorter than 32 bytes (RFC 7518 §3.2).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, model_validator

from relaypacs.settings import DEV_PLACEHOLDER, CoreSettings

_DEFAULT_PWA_DIST = Path(__file__).resolve().parent.parent / "pwa" / "dist"


class GatewaySettings(CoreSettings):
    # tokens (RFC 7519 JWTs signed with HS256)
    jwt_secret: SecretStr = SecretStr(DEV_PLACEHOLDER)
    access_token_minutes: int = Field(60, ge=1)
    refresh_token_days: int = Field(7, ge=1)
    max_sessions_per_user: int = Field(10, ge=1)
    # accounts
    bcrypt_rounds: int = Field(12, ge=4, le=16)
    password_min_length: int = Field(10, ge=1)
    lockout_threshold: int = Field(5, ge=1)
    lockout_minutes: int = Field(15, ge=1)
    totp_issuer: str = "RelayPACS"
    # key material for the TOTP secrets at rest (Fernet, key derived by HKDF); unset: derived
    # from the JWT secret — set it before rotating RELAYPACS_JWT_SECRET, or 2FA stops working
    totp_key: SecretStr | None = None
    recovery_code_count: int = Field(10, ge=1, le=50)
    # how long a user document is trusted without re-reading it (disable/logout on other
    # gateway processes take effect after at most this long; this process: at once)
    user_cache_seconds: float = Field(1.0, ge=0)
    # rate limits (the ``limits`` syntax: "10/minute", "100/hour")
    login_rate_limit_ip: str = "20/minute"
    login_rate_limit_user: str = "10/minute"
    refresh_rate_limit: str = "60/minute"
    # replication proxy
    max_request_bytes: int = Field(16 * 1024 * 1024, ge=1024)
    max_json_bytes: int = Field(4 * 1024 * 1024, ge=1024)
    upstream_timeout_seconds: float = Field(60.0, gt=0)
    changes_heartbeat_ms: int = Field(10_000, ge=1000)
    # HTTP
    cors_origins: list[str] = Field(default_factory=list)
    https_redirect: bool = False
    trusted_hosts: list[str] = Field(default_factory=list)
    pwa_dist: Path | None = None
    audit_enabled: bool = True
    audit_gather_seconds: float = Field(1.0, gt=0, le=60)
    access_log: bool = True
    # Web Push (RFC 8292 VAPID keys from ``relaypacs vapid-keys``); push is off without them
    vapid_public_key: str | None = None
    vapid_private_key: SecretStr | None = None
    vapid_subject: str = "mailto:ops@relaypacs.invalid"
    # hosts (and their subdomains) a push endpoint may be on; empty: any host
    push_endpoint_hosts: list[str] = Field(
        default_factory=lambda: [
            "fcm.googleapis.com",
            "push.services.mozilla.com",
            "notify.windows.com",
            "push.apple.com",
        ]
    )
    # Prometheus /metrics: off, or answered to an admin's access token and, for scrapers
    # (whose credentials cannot expire hourly), to ``Authorization: Bearer <metrics_token>``
    metrics_enabled: bool = True
    metrics_token: SecretStr | None = None
    # the admin page: a bridge worker whose health document is older than this is stale
    bridge_stale_seconds: float = Field(60.0, gt=0)

    @property
    def totp_key_material(self) -> str:
        key = self.totp_key.get_secret_value() if self.totp_key else ""
        return key or self.jwt_secret.get_secret_value()

    @model_validator(mode="after")
    def _strong_secret_outside_development(self) -> GatewaySettings:
        if self.env == "production" and len(self.jwt_secret.get_secret_value()) < 32:
            raise ValueError("RELAYPACS_JWT_SECRET must be at least 32 characters in production")
        return self

    @model_validator(mode="after")
    def _vapid_keys_in_pairs(self) -> GatewaySettings:
        if not self.vapid_public_key:
            self.vapid_public_key = None
        if self.vapid_private_key is not None and not self.vapid_private_key.get_secret_value():
            self.vapid_private_key = None
        if self.metrics_token is not None and not self.metrics_token.get_secret_value():
            self.metrics_token = None
        if (self.vapid_public_key is None) != (self.vapid_private_key is None):
            raise ValueError(
                "set RELAYPACS_VAPID_PUBLIC_KEY and RELAYPACS_VAPID_PRIVATE_KEY together"
            )
        if not self.vapid_subject.startswith(("mailto:", "https://")):
            raise ValueError("RELAYPACS_VAPID_SUBJECT must be a mailto: or https: URL (RFC 8292)")
        return self

    @property
    def push_configured(self) -> bool:
        return self.vapid_public_key is not None and self.vapid_private_key is not None

    @property
    def pwa_directory(self) -> Path | None:
        """The built PWA to serve at ``/``, if there is one."""
        path = self.pwa_dist if self.pwa_dist is not None else _DEFAULT_PWA_DIST
        return path if (path / "index.html").is_file() else None
