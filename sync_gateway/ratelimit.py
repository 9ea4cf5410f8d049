"""Rate limits on sign-in and refresh, per client IP and per username (slowapi/limits).

slowapi's :class:`~slowapi.Limiter` supplies the storage and the moving-window strategy;
the gateway calls it explicitly (rather than through decorators) because the per-user key
is in the JSON body and each app built by ``create_app`` needs its own counters.  A refusal
is a 429 with ``Retry-After``.
"""

from __future__ import annotations

import math
import time

from limits import RateLimitItem, parse
from slowapi import Limiter
from slowapi.util import get_remote_address

from sync_gateway.errors import TooManyRequests
from sync_gateway.settings import GatewaySettings


class RateLimits:
    def __init__(self, settings: GatewaySettings) -> None:
        self._slowapi = Limiter(
            key_func=get_remote_address, storage_uri="memory://", strategy="moving-window"
        )
        self.login_ip = parse(settings.login_rate_limit_ip)
        self.login_user = parse(settings.login_rate_limit_user)
        self.refresh = parse(settings.refresh_rate_limit)

    def hit(self, item: RateLimitItem, scope: str, key: str) -> None:
        strategy = self._slowapi.limiter
        if strategy.hit(item, scope, key):
            return
        reset, _remaining = strategy.get_window_stats(item, scope, key)
        retry_after = max(1, math.ceil(reset - time.time()))
        raise TooManyRequests(f"too many attempts; try again in {retry_after} s", retry_after)
