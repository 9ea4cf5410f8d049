"""``/api/v1/push/*``: the VAPID public key and the caller's own Web Push subscriptions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Body, Query, Response
from pydantic import BaseModel, Field

from couch_design_docs.models import PushKeys
from sync_gateway.deps import AdminAuth, ClientIP, CurrentAuth, State
from sync_gateway.errors import BadRequest, NotFound
from sync_gateway.push import subscriptions as service


class NewSubscription(BaseModel):
    """What ``PushSubscription.toJSON()`` gives a browser (RFC 8030 endpoint, RFC 8291 keys)."""

    endpoint: str = Field(max_length=2000)
    keys: PushKeys
    device: str | None = Field(default=None, max_length=256)


class Endpoint(BaseModel):
    endpoint: str = Field(max_length=2000)


async def vapid_public_key(state: State) -> dict[str, str]:
    key = state.settings.vapid_public_key
    if not state.settings.push_configured or key is None:
        raise NotFound("Web Push is not configured on this server (no VAPID keys)")
    return {"public_key": key}


async def list_subscriptions(auth: CurrentAuth, state: State) -> list[dict[str, Any]]:
    return await service.list_subscriptions(state.couch, state.settings, auth.user["username"])


async def subscribe(
    body: NewSubscription, auth: CurrentAuth, state: State, ip: ClientIP, response: Response
) -> dict[str, Any]:
    user = auth.user["username"]
    subscription, created = await service.subscribe(
        state.couch, state.settings, user, body.endpoint, body.keys, body.device
    )
    response.status_code = 201 if created else 200
    if created:
        state.audit.record(
            user, "push_subscribe", role=auth.user["role"], doc_ids=[subscription["id"]], ip=ip
        )
    return subscription


async def unsubscribe(
    auth: CurrentAuth,
    state: State,
    ip: ClientIP,
    endpoint: Annotated[str | None, Query(max_length=2000)] = None,
    body: Annotated[Endpoint | None, Body()] = None,
) -> dict[str, bool]:
    target = endpoint or (body.endpoint if body is not None else None)
    if not target:
        raise BadRequest("name the subscription's endpoint (in the body or ?endpoint=)")
    user = auth.user["username"]
    removed = await service.unsubscribe(state.couch, state.settings, user, target)
    if removed:
        state.audit.record(user, "push_unsubscribe", role=auth.user["role"], ip=ip)
    return {"removed": removed}


async def send_test(admin: AdminAuth, state: State, ip: ClientIP) -> dict[str, Any]:
    user = admin.user["username"]
    result = await service.send_test(state.couch, state.settings, user)
    state.audit.record(user, "push_test", role="admin", ip=ip, detail=f"sent {result.sent}")
    return {"sent": result.sent, "pruned": result.pruned, "failed": result.failed}
