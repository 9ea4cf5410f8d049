"""``/metrics``: Prometheus exposition (privilege ``metrics`` in ``routes.py``)."""

from __future__ import annotations

import hmac

from fastapi import Request, Response

from couch_design_docs.models import Role
from sync_gateway.deps import State, bearer_auth
from sync_gateway.errors import Forbidden, NotFound


async def metrics_auth(request: Request, state: State) -> None:
    """The scraper's static ``metrics_token``, or an administrator's access token."""
    settings = state.settings
    if not settings.metrics_enabled:
        raise NotFound("metrics are disabled")
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    expected = settings.metrics_token
    if (
        expected is not None
        and scheme.lower() == "bearer"
        and hmac.compare_digest(token.strip().encode(), expected.get_secret_value().encode())
    ):
        return
    auth = await bearer_auth(request, state)
    if auth.user.get("role") != Role.admin:
        raise Forbidden("metrics are for administrators and the configured scraper")


async def metrics(state: State) -> Response:
    body, content_type = state.metrics.exposition()
    return Response(body, media_type=content_type)
