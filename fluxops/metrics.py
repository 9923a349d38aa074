"""Prometheus metrics with prometheus_client: the shared HTTP metrics and the /metrics rendering.

Modules define their counters and histograms with prometheus_client where they count:

    from prometheus_client import Counter

    HITS = Counter("fluxops_map_cache_hits_total", "Map cache hits.", ["layer"])
    HITS.labels(layer="segments").inc()

Under gunicorn, gunicorn.conf.py points PROMETHEUS_MULTIPROC_DIR at an emptied directory before
forking the workers; prometheus_client then keeps each worker's values in its own files there, and
a scrape answered by any worker sums them over every worker of the server (exited ones included,
so counters never fall). Without it (runserver, tests, commands) the default registry of the one
process is rendered; setting PROMETHEUS_MULTIPROC_DIR there too switches to the files.

Values computed at scrape time (pool statistics, the warehouse breaker) are custom collectors
passed to `register_scrape_collector`, not multiprocess Gauges: they live in one process's memory
and change without a call site to push them (pool statistics), and a pushed gauge merged over the
files would keep the stale values of idle or exited workers. They describe the process that
answers the scrape.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from prometheus_client import (
    CONTENT_TYPE_PLAIN_0_0_4,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

# prometheus_client chooses between in-memory values and the files when it is first imported.
MULTIPROC_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None
CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4

# `_created` series are absent in multiprocess mode: leave them out everywhere for one output shape.
disable_created_metrics()  # type: ignore[no-untyped-call]  # prometheus_client leaves it unannotated

# Request latency buckets in seconds: sub-10 ms Postgres reads up to the 50 s worker timeout.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 25.0, 50.0)

HTTP_REQUESTS = Counter(
    "fluxops_http_requests_total",
    "HTTP requests answered, by route pattern, method and status.",
    ["route", "method", "status"],
)
HTTP_LATENCY = Histogram(
    "fluxops_http_request_duration_seconds",
    "Time to answer HTTP requests, by route pattern.",
    ["route"],
    buckets=LATENCY_BUCKETS,
)

_scrape_collectors: list[Collector] = []


def register_scrape_collector(collector: Collector) -> None:
    """Have `collector` evaluated by the process that answers each scrape.

    It is registered in the default registry too, which refuses a name already taken; give it a
    `describe()` so that registering does not run `collect()` at import time.
    """
    REGISTRY.register(collector)
    _scrape_collectors.append(collector)


def scrape_registry() -> CollectorRegistry:
    """What a scrape renders: all workers' counters and histograms, and this process's scrape-time collectors."""
    if MULTIPROC_DIR is None:
        return REGISTRY
    # The default registry holds this worker's own values only, so it is replaced rather than added.
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=MULTIPROC_DIR)  # type: ignore[no-untyped-call]  # unannotated
    for collector in _scrape_collectors:
        registry.register(collector)
    return registry


def render() -> bytes:
    """The metrics in the Prometheus text format (version 0.0.4)."""
    return generate_latest(scrape_registry())


class PoolStatsCollector(Collector):
    """psycopg pool statistics of the default database in this process (no samples without a pool)."""

    name = "fluxops_db_pool"
    documentation = (
        "Database connection pool statistics (pool_min, pool_max, pool_size, pool_available, requests_waiting)."
    )
    stats = ("pool_min", "pool_max", "pool_size", "pool_available", "requests_waiting")

    def describe(self) -> Iterator[GaugeMetricFamily]:
        yield GaugeMetricFamily(self.name, self.documentation, labels=["database", "stat"])

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from django.db import connections

        family = GaugeMetricFamily(self.name, self.documentation, labels=["database", "stat"])
        connection = connections["default"]
        pool = None
        if connection.vendor == "postgresql" and connection.settings_dict.get("OPTIONS", {}).get("pool"):
            pool = getattr(connection, "pool", None)
        if pool is not None:
            stats = pool.get_stats()
            for key in self.stats:
                if key in stats:
                    family.add_metric(["default", key], float(stats[key]))
        yield family


register_scrape_collector(PoolStatsCollector())
