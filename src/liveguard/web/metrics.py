"""Prometheus metrics: request counts and latencies by route template, and bus lag."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match
from starlette.types import ASGIApp, Receive, Scope, Send

from liveguard.jobs import Scheduler


class _BusCollector(Collector):
    """Reads the bus lag at scrape time, so the figure is never stale."""

    def __init__(self, lag: Callable[[], float]) -> None:
        self._lag = lag

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            value = self._lag()
        except Exception:  # a scrape must not fail because the database blinked
            value = float("nan")
        yield GaugeMetricFamily(
            "liveguard_bus_lag_seconds", "Age of the oldest undelivered outbox event", value=value
        )


class _JobCollector(Collector):
    """Runs, failures and last success of every periodic job (alert on failures)."""

    def __init__(self, scheduler: Scheduler) -> None:
        self._scheduler = scheduler

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        runs = CounterMetricFamily("liveguard_job_runs", "Periodic job runs", labels=["job"])
        failures = CounterMetricFamily(
            "liveguard_job_failures", "Periodic job runs that failed", labels=["job"]
        )
        last = GaugeMetricFamily(
            "liveguard_job_last_success_timestamp_seconds",
            "Unix time of the last successful run",
            labels=["job"],
        )
        for name, status in sorted(self._scheduler.status.items()):
            runs.add_metric([name], status.runs)
            failures.add_metric([name], status.failures)
            last.add_metric([name], status.last_success or 0.0)
        yield runs
        yield failures
        yield last


class Metrics:
    """One registry per application (tests build many applications in one process)."""

    def __init__(self, bus_lag: Callable[[], float], scheduler: Scheduler) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "liveguard_http_requests",
            "HTTP requests by method, route template and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "liveguard_http_request_duration_seconds",
            "HTTP request latency by method and route template",
            ["method", "route"],
            registry=self.registry,
        )
        self.registry.register(_BusCollector(bus_lag))
        self.registry.register(_JobCollector(scheduler))

    def render(self) -> Response:
        """The exposition text."""
        return Response(generate_latest(self.registry), media_type="text/plain; version=0.0.4")


def route_template(app: ASGIApp, scope: Scope) -> str:
    """``/api/v1/users/{user_id}`` rather than the concrete path (bounded label values)."""
    for route in getattr(app, "routes", ()):
        match, _ = route.matches(scope)
        if match is Match.FULL:
            return str(getattr(route, "path", scope["path"]))
    return "<unmatched>"


class MetricsMiddleware:
    """Counts and times every HTTP request."""

    def __init__(self, app: ASGIApp, metrics: Metrics, router_app: Callable[[], ASGIApp]) -> None:
        self.app = app
        self.metrics = metrics
        self.router_app = router_app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def _send(message: dict[str, object]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])  # type: ignore[call-overload]
            await send(message)

        try:
            await self.app(scope, receive, _send)  # type: ignore[arg-type]
        finally:
            route = route_template(self.router_app(), scope)
            method = scope["method"]
            self.metrics.requests.labels(method, route, str(status)).inc()
            self.metrics.latency.labels(method, route).observe(time.perf_counter() - start)


def metrics_endpoint(metrics: Metrics) -> Callable[[Request], Response]:
    """The /metrics handler."""

    def handler(_request: Request) -> Response:
        return metrics.render()

    return handler
