"""Every route of the gateway and the privilege it needs, in one place.

Like ``rest/routing.go`` in couchbase/sync_gateway: a reader sees the whole access policy
at once.  ``public`` needs nothing; ``user`` a valid access token of an active user whose
session is alive; ``admin`` that and the admin role; ``sync`` a user, with what that user
may do to each database and document decided by :mod:`sync_gateway.access.policy`.
``sync`` routes are served by one ASGI app at ``/sync``
(:class:`sync_gateway.api.sync.SyncEndpoint`, reached through
:class:`~sync_gateway.api.sync.SyncDoor`), which checks the same privilege itself.
``metrics`` is an administrator or the Prometheus scraper's static token
(:func:`sync_gateway.api.metrics.metrics_auth`).

Push subscriptions are the caller's own: the document id is derived from the user, so no
route takes another user's name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from fastapi import APIRouter, Depends, FastAPI

from sync_gateway.api import admin, auth, health, monitor, push, sync
from sync_gateway.api import metrics as metrics_api
from sync_gateway.deps import admin_auth, current_auth


class Privilege(StrEnum):
    public = "public"
    user = "user"
    admin = "admin"
    sync = "sync"
    metrics = "metrics"


@dataclass(frozen=True)
class Route:
    methods: tuple[str, ...]
    path: str
    endpoint: Callable[..., Any]
    privilege: Privilege
    status_code: int | None = None
    tags: tuple[str, ...] = field(default=())


P = Privilege
SYNC_METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE")

ROUTES: list[Route] = [
    Route(("GET",), "/healthz", health.healthz, P.public, tags=("health",)),
    Route(("GET",), "/readyz", health.readyz, P.public, tags=("health",)),
    Route(("GET",), "/metrics", metrics_api.metrics, P.metrics, tags=("health",)),
    # authentication
    Route(("POST",), "/api/v1/auth/login", auth.login, P.public, tags=("auth",)),
    Route(("POST",), "/api/v1/auth/refresh", auth.refresh, P.public, tags=("auth",)),
    Route(("POST",), "/api/v1/auth/logout", auth.logout, P.user, 204, tags=("auth",)),
    Route(("GET",), "/api/v1/auth/me", auth.me, P.user, tags=("auth",)),
    Route(("POST",), "/api/v1/auth/totp/enrol", auth.totp_enrol, P.user, tags=("auth",)),
    Route(("POST",), "/api/v1/auth/totp/confirm", auth.totp_confirm, P.user, tags=("auth",)),
    # administration
    Route(("GET",), "/api/v1/admin/users", admin.list_users, P.admin, tags=("admin",)),
    Route(("POST",), "/api/v1/admin/users", admin.create_user, P.admin, 201, tags=("admin",)),
    Route(("GET",), "/api/v1/admin/users/{username}", admin.get_user, P.admin, tags=("admin",)),
    Route(
        ("POST",),
        "/api/v1/admin/users/{username}/disable",
        admin.disable_user,
        P.admin,
        tags=("admin",),
    ),
    Route(
        ("POST",),
        "/api/v1/admin/users/{username}/enable",
        admin.enable_user,
        P.admin,
        tags=("admin",),
    ),
    Route(
        ("POST",),
        "/api/v1/admin/users/{username}/password",
        admin.reset_password,
        P.admin,
        tags=("admin",),
    ),
    Route(
        ("POST",),
        "/api/v1/admin/users/{username}/totp/reset",
        admin.reset_totp,
        P.admin,
        tags=("admin",),
    ),
    Route(("GET",), "/api/v1/admin/clinics", admin.list_clinics, P.admin, tags=("admin",)),
    Route(("POST",), "/api/v1/admin/clinics", admin.create_clinic, P.admin, 201, tags=("admin",)),
    Route(
        ("PATCH",),
        "/api/v1/admin/clinics/{clinic_id}",
        admin.update_clinic,
        P.admin,
        tags=("admin",),
    ),
    Route(
        ("PUT",),
        "/api/v1/admin/clinics/{clinic_id}/destinations",
        admin.set_destinations,
        P.admin,
        tags=("admin",),
    ),
    # system health, failures, retries and the audit trail (the admin page)
    Route(("GET",), "/api/v1/admin/health", monitor.system_health, P.admin, tags=("admin",)),
    Route(("GET",), "/api/v1/admin/failures", monitor.list_failures, P.admin, tags=("admin",)),
    Route(
        ("POST",),
        "/api/v1/admin/clinics/{clinic_id}/studies/{study_id}/retry",
        monitor.retry_study,
        P.admin,
        202,
        tags=("admin",),
    ),
    Route(("GET",), "/api/v1/admin/audit", monitor.audit_trail, P.admin, tags=("admin",)),
    # Web Push: the server's public key, the caller's own subscriptions, a test push
    Route(
        ("GET",), "/api/v1/push/vapid-public-key", push.vapid_public_key, P.public, tags=("push",)
    ),
    Route(("GET",), "/api/v1/push/subscriptions", push.list_subscriptions, P.user, tags=("push",)),
    Route(("POST",), "/api/v1/push/subscriptions", push.subscribe, P.user, 201, tags=("push",)),
    Route(("DELETE",), "/api/v1/push/subscriptions", push.unsubscribe, P.user, tags=("push",)),
    Route(("POST",), "/api/v1/push/test", push.send_test, P.admin, tags=("push",)),
    # the CouchDB replication proxy (its own door: see mount_sync)
    Route(SYNC_METHODS, "/sync/{db}/{rest:path}", sync.SyncEndpoint, P.sync, tags=("sync",)),
]

GUARDS: dict[Privilege, list[Any]] = {
    Privilege.public: [],
    Privilege.user: [Depends(current_auth)],
    Privilege.admin: [Depends(admin_auth)],
    Privilege.sync: [Depends(current_auth)],
    Privilege.metrics: [Depends(metrics_api.metrics_auth)],
}


def router() -> APIRouter:
    api = APIRouter()
    for route in ROUTES:
        if route.privilege == Privilege.sync:
            continue
        api.add_api_route(
            route.path,
            route.endpoint,
            methods=list(route.methods),
            dependencies=GUARDS[route.privilege],
            status_code=route.status_code,
            tags=list(route.tags),
        )
    return api


def mount_sync(app: FastAPI) -> None:
    """Put the replication proxy in front of the router; call before adding any other
    middleware, so that it is the innermost (the gateway's own middleware wraps it)."""
    for route in ROUTES:
        if route.privilege == Privilege.sync:
            prefix = route.path.split("/{")[0]
            app.add_middleware(sync.SyncDoor, endpoint=route.endpoint(), prefix=prefix)
