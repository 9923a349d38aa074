"""A small in-process metrics registry rendered in the Prometheus text format at /metrics.

Modules register what they measure at import time:

    from fluxops import metrics

    CACHE_HITS = metrics.counter("fluxops_map_cache_hits_total", "Map cache hits.", labels=("layer",))
    CACHE_HITS.inc(layer="segments")

    metrics.register_gauge("fluxops_warehouse_breaker_open", "1 while the warehouse breaker is open.",
                           lambda: 1.0 if breaker.is_open else 0.0)

A gauge callback runs at scrape time and returns a number, or a mapping of label tuples to
numbers for labelled gauges; gauges describe the process that answers the scrape.

Counters and histograms are kept per gunicorn worker and shared through small JSON files under
`<FLUXOPS_VAR_DIR>/metrics/` (each worker writes its own at most once a second), so a scrape
answered by any worker reports the sum over all live workers of the same server.
"""

from __future__ import annotations

import bisect
import contextlib
import json
import logging
import math
import os
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TypeVar, cast

logger = logging.getLogger(__name__)

_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
_LABEL = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")

# Request latency buckets in seconds: sub-10 ms Postgres reads up to the 50 s worker timeout.
DEFAULT_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 25.0, 50.0)

LabelValues = tuple[str, ...]
GaugeValue = float | int | Mapping[LabelValues, float | int] | None
# A counter's or histogram's values in a JSON-friendly form: {json label list: value or [counts..., sum]}.
State = dict[str, object]


def _escape(value: str) -> str:
    return value.replace("\\", r"\\").replace("\n", r"\n").replace('"', r"\"")


def _labels(names: tuple[str, ...], values: LabelValues, extra: str = "") -> str:
    pairs = [f'{name}="{_escape(str(value))}"' for name, value in zip(names, values, strict=True)]
    if extra:
        pairs.append(extra)
    return "{" + ",".join(pairs) + "}" if pairs else ""


def _number(value: float) -> str:
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if math.isnan(value):
        return "NaN"
    return repr(float(value)) if not float(value).is_integer() else str(int(value))


class _Metric:
    """Common parts: name, help text, label names and a lock."""

    kind = ""

    def __init__(self, name: str, help_text: str, labels: Iterable[str] = ()) -> None:
        if not _NAME.match(name):
            raise ValueError(f"invalid metric name {name!r}")
        self.name = name
        self.help = help_text
        self.label_names = tuple(labels)
        for label in self.label_names:
            if not _LABEL.match(label) or label == "le":
                raise ValueError(f"invalid label name {label!r}")
        self._lock = threading.Lock()

    def _key(self, labels: Mapping[str, object]) -> LabelValues:
        if set(labels) != set(self.label_names):
            raise ValueError(f"{self.name} takes labels {self.label_names}, got {tuple(labels)}")
        return tuple(str(labels[name]) for name in self.label_names)

    def header(self) -> list[str]:
        return [f"# HELP {self.name} {_escape(self.help)}", f"# TYPE {self.name} {self.kind}"]

    def state(self) -> State | None:
        """Values to share with sibling workers (None: nothing to share, e.g. gauges)."""
        return None

    def samples(self, siblings: Iterable[State] = (), live: bool = True) -> list[str]:
        """Exposition lines: this process's values (unless `live` is False) plus the sibling states."""
        raise NotImplementedError


class Counter(_Metric):
    """A monotonically increasing count, optionally per label set."""

    kind = "counter"

    def __init__(self, name: str, help_text: str, labels: Iterable[str] = ()) -> None:
        super().__init__(name, help_text, labels)
        self._values: dict[LabelValues, float] = {}

    def inc(self, amount: float = 1.0, **labels: object) -> None:
        """Add `amount` (>= 0) to the count for these labels."""
        if amount < 0:
            raise ValueError("a counter only goes up")
        key = self._key(labels)
        with self._lock:
            self._values[key] = self._values.get(key, 0.0) + amount

    def value(self, **labels: object) -> float:
        """Current count of this process for these labels (0 when never incremented)."""
        return self._values.get(self._key(labels), 0.0)

    def state(self) -> State:
        with self._lock:
            return {json.dumps(key): value for key, value in self._values.items()}

    def samples(self, siblings: Iterable[State] = (), live: bool = True) -> list[str]:
        with self._lock:
            totals = dict(self._values) if live else {}
        for state in siblings:
            for encoded, value in state.items():
                key = tuple(json.loads(encoded))
                if len(key) == len(self.label_names) and isinstance(value, int | float):
                    totals[key] = totals.get(key, 0.0) + value
        return [
            f"{self.name}{_labels(self.label_names, key)} {_number(value)}" for key, value in sorted(totals.items())
        ]


class Histogram(_Metric):
    """Observations counted into cumulative buckets, with their sum and count."""

    kind = "histogram"

    def __init__(
        self, name: str, help_text: str, labels: Iterable[str] = (), buckets: Iterable[float] = DEFAULT_BUCKETS
    ) -> None:
        super().__init__(name, help_text, labels)
        self.buckets = tuple(sorted(buckets))
        # Per label set: counts per bucket (non-cumulative, the last slot is +Inf), sum.
        self._counts: dict[LabelValues, list[int]] = {}
        self._sums: dict[LabelValues, float] = {}

    def observe(self, value: float, **labels: object) -> None:
        """Record one observation (seconds for latencies)."""
        key = self._key(labels)
        index = bisect.bisect_left(self.buckets, value)
        with self._lock:
            counts = self._counts.setdefault(key, [0] * (len(self.buckets) + 1))
            counts[index] += 1
            self._sums[key] = self._sums.get(key, 0.0) + value

    def count(self, **labels: object) -> int:
        """Number of observations for these labels."""
        return sum(self._counts.get(self._key(labels), []))

    def state(self) -> State:
        with self._lock:
            return {json.dumps(key): [*counts, self._sums[key]] for key, counts in self._counts.items()}

    def samples(self, siblings: Iterable[State] = (), live: bool = True) -> list[str]:
        lines = []
        with self._lock:
            merged = {key: [*counts, self._sums[key]] for key, counts in self._counts.items()} if live else {}
        width = len(self.buckets) + 2  # bucket counts, +Inf count, sum
        for state in siblings:
            for encoded, values in state.items():
                key = tuple(json.loads(encoded))
                # A sibling running other buckets (mid-deploy) cannot be merged bucket by bucket.
                if len(key) != len(self.label_names) or not isinstance(values, list) or len(values) != width:
                    continue
                mine = merged.setdefault(key, [0] * width)
                merged[key] = [a + b for a, b in zip(mine, values, strict=True)]
        items = sorted((key, values[:-1], values[-1]) for key, values in merged.items())
        for key, counts, total in items:
            running = 0
            for bound, count in zip((*self.buckets, math.inf), counts, strict=True):
                running += count
                le = f'le="{_number(bound)}"'
                lines.append(f"{self.name}_bucket{_labels(self.label_names, key, le)} {running}")
            lines.append(f"{self.name}_sum{_labels(self.label_names, key)} {_number(total)}")
            lines.append(f"{self.name}_count{_labels(self.label_names, key)} {running}")
        return lines


class Gauge(_Metric):
    """A value read at scrape time from a callback (number, or {label values: number})."""

    kind = "gauge"

    def __init__(
        self, name: str, help_text: str, callback: Callable[[], GaugeValue], labels: Iterable[str] = ()
    ) -> None:
        super().__init__(name, help_text, labels)
        self.callback = callback

    def samples(self, siblings: Iterable[State] = (), live: bool = True) -> list[str]:
        value = self.callback()
        if value is None:
            return []
        if isinstance(value, Mapping):
            return [
                f"{self.name}{_labels(self.label_names, tuple(key))} {_number(val)}"
                for key, val in sorted(value.items())
            ]
        if self.label_names:
            raise ValueError(f"labelled gauge {self.name} must return a mapping")
        return [f"{self.name} {_number(value)}"]


M = TypeVar("M", bound=_Metric)


class Registry:
    """Holds metrics by name and renders them; registering a name twice returns the first one."""

    def __init__(self) -> None:
        self._metrics: dict[str, _Metric] = {}
        self._lock = threading.Lock()

    def add(self, metric: M) -> M:
        """Register `metric`; a second registration of the same name returns the first one."""
        with self._lock:
            existing = self._metrics.get(metric.name)
            if existing is None:
                self._metrics[metric.name] = metric
                return metric
        # Re-registration happens on module reloads (tests, autoreload): keep one series per name,
        # but refuse a different kind or labels, which would be a naming clash.
        if type(existing) is not type(metric) or existing.label_names != metric.label_names:
            raise ValueError(f"metric {metric.name} is already registered with another type or labels")
        if isinstance(existing, Gauge) and isinstance(metric, Gauge):
            existing.callback = metric.callback
        return cast(M, existing)

    def unregister(self, name: str) -> None:
        """Remove a metric (for tests and modules that shut down)."""
        with self._lock:
            self._metrics.pop(name, None)

    def get(self, name: str) -> _Metric | None:
        """The metric registered under `name`, if any."""
        return self._metrics.get(name)

    def snapshot(self) -> dict[str, State]:
        """Shareable values of every counter and histogram, by metric name."""
        with self._lock:
            metrics = list(self._metrics.values())
        return {metric.name: state for metric in metrics if (state := metric.state()) is not None}

    def render(self, siblings: Iterable[Mapping[str, State]] = (), live: bool = True) -> str:
        """All metrics in the Prometheus text format (version 0.0.4), plus sibling workers' snapshots.

        With `live=False` counters and histograms come from the snapshots only.
        """
        siblings = list(siblings)
        lines: list[str] = []
        with self._lock:
            metrics = sorted(self._metrics.values(), key=lambda metric: metric.name)
        for metric in metrics:
            try:
                states = [snapshot[metric.name] for snapshot in siblings if metric.name in snapshot]
                samples = metric.samples(states, live=live)
            except Exception as exc:  # A broken gauge callback must not take the whole scrape down.
                lines.append(f"# {metric.name} unavailable: {_escape(type(exc).__name__)}")
                continue
            lines.extend(metric.header())
            lines.extend(samples)
        return "\n".join(lines) + "\n"


REGISTRY = Registry()
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def counter(name: str, help_text: str, labels: Iterable[str] = ()) -> Counter:
    """Register (or fetch) a counter in the process registry."""
    return REGISTRY.add(Counter(name, help_text, labels))


def histogram(
    name: str, help_text: str, labels: Iterable[str] = (), buckets: Iterable[float] = DEFAULT_BUCKETS
) -> Histogram:
    """Register (or fetch) a histogram in the process registry."""
    return REGISTRY.add(Histogram(name, help_text, labels, buckets))


def register_gauge(name: str, help_text: str, callback: Callable[[], GaugeValue], labels: Iterable[str] = ()) -> Gauge:
    """Register a gauge whose value `callback()` returns at scrape time (the hook for other modules).

    `callback` returns a number, None (no sample), or for labelled gauges a mapping of label-value
    tuples to numbers. Registering the same name again replaces the callback.
    """
    return REGISTRY.add(Gauge(name, help_text, callback, labels))


class WorkerShare:
    """Exchanges registry snapshots between worker processes of one server through files in `directory`.

    Files are named `<server pid>-<worker pid>.json`; only live siblings with the same parent are read,
    and files of workers that have exited are removed.
    """

    interval = 1.0  # seconds between writes of one worker's file

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._last = 0.0
        self._pending = False
        self._flusher: threading.Thread | None = None

    def _path(self, pid: int) -> Path:
        return self.directory / f"{os.getppid()}-{pid}.json"

    def publish(self, registry: Registry, force: bool = False) -> None:
        """Write this worker's snapshot, at most once per `interval` unless forced (later calls are flushed)."""
        now = time.monotonic()
        with self._lock:
            if not force and now - self._last < self.interval:
                self._pending = True
                self._start_flusher(registry)
                return
            self._last, self._pending = now, False
        self.write(registry)

    def write(self, registry: Registry) -> dict[str, State]:
        """Snapshot `registry` into this worker's file now, and return the snapshot written."""
        # One writer at a time per process, so an older snapshot never replaces a newer one; the
        # rename means readers never see half a file.
        with self._write_lock:
            snapshot = registry.snapshot()
            try:
                self.directory.mkdir(parents=True, exist_ok=True)
                path = self._path(os.getpid())
                temporary = path.with_suffix(".tmp")
                temporary.write_text(json.dumps(snapshot))
                os.replace(temporary, path)
            except OSError as exc:
                logger.debug("metrics snapshot not written: %s", exc)
            return snapshot

    def _start_flusher(self, registry: Registry) -> None:
        # One daemon thread per worker writes what the throttle held back, so an idle worker's
        # last requests still reach the scrapes.
        if self._flusher is None or not self._flusher.is_alive():

            def flush() -> None:
                while True:
                    time.sleep(self.interval)
                    if self._pending:
                        self.publish(registry, force=True)

            self._flusher = threading.Thread(target=flush, name="metrics-flush", daemon=True)
            self._flusher.start()

    def siblings(self) -> list[dict[str, State]]:
        """Snapshots of the other live workers of this server; files of exited workers are removed."""
        snapshots = []
        with contextlib.suppress(OSError):
            for path in self.directory.glob("*-*.json"):
                parent, _, worker = path.stem.partition("-")
                if not (parent.isdigit() and worker.isdigit()) or int(worker) == os.getpid():
                    continue
                if not _alive(int(worker)):
                    path.unlink(missing_ok=True)
                elif int(parent) == os.getppid():
                    with contextlib.suppress(OSError, ValueError):
                        snapshots.append(json.loads(path.read_text()))
        return snapshots


def _alive(pid: int) -> bool:
    """Whether a process with this id exists."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


_SHARE: WorkerShare | None = None


def _share() -> WorkerShare:
    """The process's WorkerShare under FLUXOPS_VAR_DIR (created on first use, after settings load)."""
    global _SHARE
    if _SHARE is None:
        from django.conf import settings

        _SHARE = WorkerShare(Path(settings.VAR_DIR) / "metrics")
    return _SHARE


def publish() -> None:
    """Make this worker's counters and histograms visible to its siblings (throttled; call after each request)."""
    _share().publish(REGISTRY)


def render() -> str:
    """The registry in the Prometheus text format, counters and histograms summed over the server's workers."""
    share = _share()
    # Report exactly what this worker publishes, and publish it first: every worker's share only
    # grows, so the sum never falls between scrapes answered by different workers (a falling
    # counter would read as a reset in Prometheus).
    snapshot = share.write(REGISTRY)
    return REGISTRY.render([snapshot, *share.siblings()], live=False)


HTTP_REQUESTS = counter(
    "fluxops_http_requests_total",
    "HTTP requests answered, by route pattern, method and status.",
    labels=("route", "method", "status"),
)
HTTP_LATENCY = histogram(
    "fluxops_http_request_duration_seconds", "Time to answer HTTP requests, by route pattern.", labels=("route",)
)


def _pool_stats() -> dict[LabelValues, float] | None:
    """psycopg pool statistics of the default database in this process (None without a pool)."""
    from django.db import connections

    connection = connections["default"]
    if connection.vendor != "postgresql" or not connection.settings_dict.get("OPTIONS", {}).get("pool"):
        return None
    pool = getattr(connection, "pool", None)
    if pool is None:
        return None
    stats = pool.get_stats()
    keys = ("pool_min", "pool_max", "pool_size", "pool_available", "requests_waiting")
    return {("default", key): float(stats[key]) for key in keys if key in stats}


register_gauge(
    "fluxops_db_pool",
    "Database connection pool statistics (pool_min, pool_max, pool_size, pool_available, requests_waiting).",
    _pool_stats,
    labels=("database", "stat"),
)
