"""``/sync/{db}/...``: the replication proxy's one entry point (rules in ``proxy``/``access``).

Every replication request passes here, hundreds per study, so this is a plain ASGI app
mounted at ``/sync`` rather than a FastAPI route: it skips per-request dependency solving
and response validation, and keeps the same privilege as ``routes.py`` declares (a signed-in
user; what they may do decided by the access policy).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send

from sync_gateway.access.policy import SERVICE_DATABASE_REASON, target_of
from sync_gateway.access.view import UserDatabase
from sync_gateway.auth.service import Authenticated
from sync_gateway.deps import bearer_auth
from sync_gateway.errors import BadRequest, Forbidden, error_response
from sync_gateway.metrics import feed_opened, mark_route
from sync_gateway.proxy.handlers import Context, handle
from sync_gateway.proxy.operations import Op, classify, split_path
from sync_gateway.state import GatewayState

WELCOME = {"couchdb": "Welcome", "version": "3.3.3", "vendor": {"name": "RelayPACS"}}


async def proxy(request: Request, auth: Authenticated, state: GatewayState, ip: str) -> Response:
    raw_path = request.scope.get("raw_path") or request.scope["path"].encode()
    db, segments = split_path(raw_path.decode("latin-1").split("?")[0])
    if not db:
        if request.method in ("GET", "HEAD"):
            return JSONResponse(WELCOME)
        raise BadRequest("no database named")
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
    op = classify(request.method, segments)
    mark_route(request.scope, f"/sync/{{db}}:{op.op.value}")
    if op.op is Op.changes:
        feed_opened(request.scope, state.metrics, request.query_params.get("feed", "normal"))
    view = UserDatabase(auth.principal, target, state.couch, state.authors)
    ctx = Context(request, view, state.couch, state.settings, state.audit, ip)
    return await handle(ctx, op)


class SyncEndpoint:
    """The ASGI app mounted at ``/sync``."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        state: GatewayState = scope["app"].state.gateway
        ip = request.client.host if request.client else "unknown"
        try:
            auth = await bearer_auth(request, state)
            response = await proxy(request, auth, state, ip)
        except Exception as exc:  # every error answers JSON, CouchDB-style
            response = error_response(exc)
        await response(scope, receive, send)
