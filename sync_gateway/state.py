"""Everything a request handler may need, built once per app (``app.state.gateway``)."""

from __future__ import annotations

from dataclasses import dataclass

from couch_design_docs.names import DatabaseNames
from relaypacs.couch import CouchClient
from sync_gateway.access.view import AuthorCache
from sync_gateway.accounts.store import UserStore
from sync_gateway.audit import AuditLog
from sync_gateway.auth.service import AuthService
from sync_gateway.auth.tokens import TokenService
from sync_gateway.metrics import GatewayMetrics
from sync_gateway.ratelimit import RateLimits
from sync_gateway.settings import GatewaySettings


@dataclass
class GatewayState:
    settings: GatewaySettings
    names: DatabaseNames
    couch: CouchClient
    audit: AuditLog
    auth: AuthService
    authors: AuthorCache
    metrics: GatewayMetrics

    @classmethod
    def build(cls, settings: GatewaySettings) -> GatewayState:
        names = settings.names
        couch = settings.couch_client(
            timeout=settings.upstream_timeout_seconds, max_connections=100
        )
        metrics = GatewayMetrics()
        audit = AuditLog(
            couch,
            names.audit,
            enabled=settings.audit_enabled,
            gather_seconds=settings.audit_gather_seconds,
            listener=metrics.audited,
        )
        tokens = TokenService(
            settings.jwt_secret.get_secret_value(),
            access_seconds=settings.access_token_minutes * 60,
            refresh_seconds=settings.refresh_token_days * 86400,
        )
        users = UserStore(couch, names, settings.user_cache_seconds)
        auth = AuthService(settings, names, users, tokens, RateLimits(settings), audit)
        return cls(settings, names, couch, audit, auth, AuthorCache(), metrics)
