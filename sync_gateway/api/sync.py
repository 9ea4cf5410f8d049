"""``/sync/{db}/...``: the replication proxy's one entry point (rules in ``proxy``/``access``)."""

from __future__ import annotations

from fastapi import Request, Response

from sync_gateway.access.policy import SERVICE_DATABASE_REASON, target_of
from sync_gateway.access.view import UserDatabase
from sync_gateway.deps import ClientIP, CurrentAuth, State
from sync_gateway.errors import Forbidden
from sync_gateway.proxy.handlers import Context, handle
from sync_gateway.proxy.operations import classify, split_path


async def server_root(auth: CurrentAuth) -> dict[str, str]:
    """What CouchDB answers at ``/`` (some clients probe it)."""
    return {"couchdb": "Welcome", "version": "3.3.3", "vendor": {"name": "RelayPACS"}}


async def proxy(request: Request, auth: CurrentAuth, state: State, ip: ClientIP) -> Response:
    db, segments = split_path(request.scope.get("raw_path", b"").decode("latin-1").split("?")[0])
    target = target_of(db, state.names)
    if target is None:
        state.audit.record(
            auth.claims.sub,
            "refused",
            role=auth.user["role"],
            outcome="denied",
            db=db[:200],
            ip=ip,
            detail=SERVICE_DATABASE_REASON,
        )
        raise Forbidden(f"{db}: {SERVICE_DATABASE_REASON}")
    view = UserDatabase(auth.principal, target, state.couch, state.authors)
    ctx = Context(request, view, state.couch, state.settings, state.audit, ip)
    return await handle(ctx, classify(request.method, segments))
