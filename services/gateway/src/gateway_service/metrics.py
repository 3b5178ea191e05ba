"""Prometheus metrics of one gateway app, in its own registry (tests build many apps).

The two metrics touched by every request are plain counters in dicts, exposed through a
custom collector: prometheus_client's own Counter and Histogram take a lock and run a few
Python calls per observation, which is a noticeable share of the gateway's per-request cost,
and the event loop is one thread anyway. Rare events use the library's metric types.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class GatewayMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self._requests: dict[tuple[str, int], int] = {}
        # route -> observations per bucket (the last one is +Inf), then the sum of seconds.
        self._latency: dict[str, list[float]] = {}
        self.registry.register(_RequestCollector(self))
        self._upstream_errors = Counter(
            "gateway_upstream_errors_total",
            "Failures to get an answer from an upstream, by service and kind",
            ["service", "kind"], registry=self.registry,
        )
        self._replica_up = Gauge(
            "gateway_upstream_replica_up", "1 if the replica's last readiness probe passed",
            ["service", "replica"], registry=self.registry,
        )
        self.rate_limited = Counter(
            "gateway_rate_limited_total", "Requests refused by the rate limiter",
            registry=self.registry,
        )

    def observe(self, route: str, status: int, seconds: float) -> None:
        key = (route, status)
        self._requests[key] = self._requests.get(key, 0) + 1
        histogram = self._latency.get(route)
        if histogram is None:
            histogram = self._latency[route] = [0.0] * (len(LATENCY_BUCKETS) + 2)
        histogram[bisect_left(LATENCY_BUCKETS, seconds)] += 1
        histogram[-1] += seconds

    def upstream_error(self, service: str, kind: str) -> None:
        self._upstream_errors.labels(service, kind).inc()

    def replica_probed(self, service: str, replica: str, healthy: bool) -> None:
        self._replica_up.labels(service, replica).set(1 if healthy else 0)


class _RequestCollector(Collector):
    def __init__(self, metrics: GatewayMetrics) -> None:
        self._metrics = metrics

    def collect(self) -> Iterator[Metric]:
        requests = CounterMetricFamily(
            "gateway_requests", "Requests answered, by route prefix and status",
            labels=["route", "status"],
        )
        for (route, status), count in sorted(self._metrics._requests.items()):
            requests.add_metric([route, str(status)], count)
        yield requests

        latency = HistogramMetricFamily(
            "gateway_request_duration_seconds", "Time to answer a request, body included",
            labels=["route"],
        )
        for route, histogram in sorted(self._metrics._latency.items()):
            cumulative = 0.0
            buckets = []
            for bound, count in zip((*LATENCY_BUCKETS, float("inf")), histogram, strict=False):
                cumulative += count
                buckets.append(("+Inf" if bound == float("inf") else str(bound), cumulative))
            latency.add_metric([route], buckets, sum_value=histogram[-1])
        yield latency
