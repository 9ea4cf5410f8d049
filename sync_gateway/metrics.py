"""Prometheus metrics of one gateway process (prometheus-client, its own registry).

Labels never carry ids or PHI: a route is its template (``/api/v1/admin/users/{username}``)
or, for the replication proxy, the operation (``/sync/{db}:bulk_docs``); anything that
matched no route is ``unmatched``.  Counted here:

- ``relaypacs_gateway_requests_total{method,route,status}`` and
  ``relaypacs_gateway_request_seconds{method,route}`` (until the last body byte is sent);
- ``relaypacs_gateway_proxied_bytes_total{direction}``: bodies through ``/sync`` (``in``
  from clients, ``out`` to them);
- ``relaypacs_gateway_changes_feeds_active{feed}``: ``_changes`` requests in progress;
- ``relaypacs_gateway_login_failures_total{reason}``: refused sign-ins, from the audit
  events the auth service records.

``/metrics`` answers an admin's access token or the static ``metrics_token`` a Prometheus
scraper is configured with (its credentials cannot be a JWT that expires hourly); with
``metrics_enabled`` false it is not served at all.
"""

from __future__ import annotations

import time

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

ROUTE_KEY = "relaypacs.route"
FEED_KEY = "relaypacs.feed"
LOGIN_REASONS = {
    "bad credentials": "bad_credentials",
    "locked": "locked",
    "disabled": "disabled",
    "wrong code": "totp",
}
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300)


class GatewayMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "relaypacs_gateway_requests",
            "HTTP requests answered, by route template",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "relaypacs_gateway_request_seconds",
            "Time from request to the last byte of the answer",
            ["method", "route"],
            buckets=BUCKETS,
            registry=self.registry,
        )
        self.proxied = Counter(
            "relaypacs_gateway_proxied_bytes",
            "Body bytes through the replication proxy",
            ["direction"],
            registry=self.registry,
        )
        self.feeds = Gauge(
            "relaypacs_gateway_changes_feeds_active",
            "_changes requests in progress",
            ["feed"],
            registry=self.registry,
        )
        self.login_failures = Counter(
            "relaypacs_gateway_login_failures",
            "Refused sign-ins by reason",
            ["reason"],
            registry=self.registry,
        )
        for direction in ("in", "out"):
            self.proxied.labels(direction)
        for reason in set(LOGIN_REASONS.values()):
            self.login_failures.labels(reason)
        for feed in ("normal", "longpoll", "continuous"):
            self.feeds.labels(feed)

    def audited(self, action: str, outcome: str, detail: str | None) -> None:
        """Audit listener: count what the metrics need from the audit events."""
        if action == "login" and outcome == "denied":
            self.login_failures.labels(LOGIN_REASONS.get(detail or "", "other")).inc()

    def exposition(self) -> tuple[bytes, str]:
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


def route_label(scope: Scope) -> str:
    label = scope.get(ROUTE_KEY)
    if label:
        return label
    route = scope.get("route")
    path = getattr(route, "path", None)
    if path is None:
        return "unmatched"
    return path or "/{static}"


def mark_route(scope: Scope, label: str) -> None:
    scope[ROUTE_KEY] = label


class MetricsMiddleware:
    """Pure ASGI (streams pass through untouched); one clock read and a few adds a request."""

    def __init__(self, app: ASGIApp, metrics: GatewayMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        metrics = self.metrics
        start = time.perf_counter()
        status = [500]
        proxied = scope["path"].startswith("/sync/")
        counted = {"in": 0, "out": 0}

        async def counting_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                counted["in"] += len(message.get("body", b""))
            return message

        async def watching_send(message: Message) -> None:
            kind = message["type"]
            if kind == "http.response.start":
                status[0] = message["status"]
            elif kind == "http.response.body" and proxied:
                counted["out"] += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, counting_receive if proxied else receive, watching_send)
        finally:
            feed = scope.get(FEED_KEY)
            if feed is not None:
                metrics.feeds.labels(feed).dec()
            route = route_label(scope)
            method = scope["method"]
            metrics.requests.labels(method, route, str(status[0])).inc()
            metrics.latency.labels(method, route).observe(time.perf_counter() - start)
            if proxied:
                metrics.proxied.labels("in").inc(counted["in"])
                metrics.proxied.labels("out").inc(counted["out"])


def feed_opened(scope: Scope, metrics: GatewayMetrics | None, feed: str) -> None:
    """Count a ``_changes`` request as active until the middleware sees it finish."""
    if metrics is None or feed not in ("normal", "longpoll", "continuous"):
        return
    scope[FEED_KEY] = feed
    metrics.feeds.labels(feed).inc()
