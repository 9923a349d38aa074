"""prometheus_client metrics: shared definitions, scrape-time collectors, sums over workers and /metrics."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client
from prometheus_client import REGISTRY, Counter, Histogram, multiprocess
from prometheus_client.core import GaugeMetricFamily

from fluxops import metrics


@pytest.fixture
def scrape_collectors(monkeypatch) -> Iterator[list]:
    """Collectors a test registers with register_scrape_collector, removed again afterwards."""
    added: list = []
    monkeypatch.setattr(metrics, "_scrape_collectors", list(metrics._scrape_collectors))
    yield added
    for collector in added:
        REGISTRY.unregister(collector)


class StateCollector:
    """A scrape-time gauge reading a dict: {label values: number}."""

    def __init__(self, name: str, state: dict, labels: tuple[str, ...] = ()) -> None:
        self.name, self.state, self.labels = name, state, list(labels)

    def describe(self) -> Iterator[GaugeMetricFamily]:
        yield GaugeMetricFamily(self.name, "State.", labels=self.labels)

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(self.name, "State.", labels=self.labels)
        for key, value in self.state.items():
            family.add_metric(list(key), value)
        yield family


def test_counter_and_histogram_render_in_prometheus_text_format() -> None:
    requests = Counter("demo_requests_total", "Requests.", ["route"])
    latency = Histogram("demo_seconds", "Latency.", ["route"], buckets=(0.1, 1.0))
    try:
        requests.labels(route="/a").inc()
        requests.labels(route="/a").inc(2)
        for value in (0.05, 0.5, 3.0):
            latency.labels(route="/a").observe(value)
        text = metrics.render().decode()
    finally:
        REGISTRY.unregister(requests)
        REGISTRY.unregister(latency)
    assert "# HELP demo_requests_total Requests.\n# TYPE demo_requests_total counter\n" in text
    assert 'demo_requests_total{route="/a"} 3.0\n' in text
    assert "# TYPE demo_seconds histogram" in text
    assert 'demo_seconds_bucket{le="0.1",route="/a"} 1.0\n' in text
    assert 'demo_seconds_bucket{le="1.0",route="/a"} 2.0\n' in text
    assert 'demo_seconds_bucket{le="+Inf",route="/a"} 3.0\n' in text
    assert 'demo_seconds_sum{route="/a"} 3.55\n' in text
    assert 'demo_seconds_count{route="/a"} 3.0\n' in text
    # No `_created` series: multiprocess mode has none, so neither mode renders them.
    assert "_created" not in text


def test_label_values_are_escaped() -> None:
    counter = Counter("demo_total", "x", ["path"])
    try:
        counter.labels(path='a"b\\c\nd').inc()
        assert 'demo_total{path="a\\"b\\\\c\\nd"} 1.0' in metrics.render().decode()
    finally:
        REGISTRY.unregister(counter)


def test_counters_refuse_wrong_labels_and_decrements() -> None:
    with pytest.raises(ValueError):
        metrics.HTTP_REQUESTS.labels(status=200)
    with pytest.raises(ValueError):
        metrics.HTTP_REQUESTS.labels(route="/", method="GET", status=200).inc(-1)


def test_scrape_collector_is_read_at_scrape_time(scrape_collectors: list) -> None:
    state = {(): 0}
    hits = {("segments",): 4, ("status",): 2}
    scrape_collectors.append(StateCollector("fluxops_test_breaker_open", state))
    scrape_collectors.append(StateCollector("fluxops_test_hits", hits, ("layer",)))
    for collector in scrape_collectors:
        metrics.register_scrape_collector(collector)
    assert "fluxops_test_breaker_open 0.0\n" in metrics.render().decode()
    state[()] = 1
    text = metrics.render().decode()
    assert "fluxops_test_breaker_open 1.0\n" in text
    assert text.count("# TYPE fluxops_test_breaker_open gauge") == 1
    assert 'fluxops_test_hits{layer="segments"} 4.0\n' in text
    assert 'fluxops_test_hits{layer="status"} 2.0\n' in text


def test_same_name_with_another_kind_is_refused(scrape_collectors: list) -> None:
    with pytest.raises(ValueError):
        metrics.register_scrape_collector(StateCollector("fluxops_http_requests_total", {(): 1}))
    assert metrics.render().decode().count("# TYPE fluxops_http_requests_total") == 1


def test_metrics_need_admin_or_token(client: Client, viewer, admin_user, settings) -> None:
    settings.METRICS_TOKEN = "scrape-secret"
    anonymous = client.get("/metrics")
    assert anonymous.status_code == 401 and anonymous["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-secret").status_code == 200
    client.force_login(viewer)
    assert client.get("/metrics").status_code == 403
    client.force_login(admin_user)
    assert client.get("/metrics").status_code == 200


def test_token_in_x_metrics_token_and_over_plain_http_inside_the_platform(client: Client, settings, db) -> None:
    settings.METRICS_TOKEN = "scrape-secret"
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = [".svc.spcs.internal"]
    host = {"HTTP_HOST": "fluxops.ab12.svc.spcs.internal:8000"}
    assert client.get("/metrics", HTTP_X_METRICS_TOKEN="scrape-secret", **host).status_code == 200
    assert client.get("/metrics", HTTP_X_METRICS_TOKEN="nope", **host).status_code == 401
    assert client.get("/", **host).status_code == 301  # everything else still goes to HTTPS


def test_no_token_configured_means_admins_only(client: Client, settings, db) -> None:
    settings.METRICS_TOKEN = None
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer None").status_code == 401


def _requests(route: str, method: str, status: int) -> float:
    """This process's count of fluxops_http_requests_total for these labels."""
    labels = {"route": route, "method": method, "status": str(status)}
    return REGISTRY.get_sample_value("fluxops_http_requests_total", labels) or 0.0


def test_metrics_content_counts_requests_by_route(client: Client, admin_user) -> None:
    client.force_login(admin_user)
    before = _requests("/", "GET", 200)
    client.get("/")
    client.get("/")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    text = response.content.decode()
    match = re.search(r'^fluxops_http_requests_total\{method="GET",route="/",status="200"\} (\S+)$', text, re.M)
    assert match and float(match.group(1)) == before + 2
    assert re.search(r'^fluxops_http_request_duration_seconds_bucket\{le="\+Inf",route="/"\} \S+$', text, re.M)
    assert "# TYPE fluxops_db_pool gauge" in text


def test_unmatched_paths_share_one_route_label(client: Client, db) -> None:
    before = _requests("unmatched", "GET", 404)
    client.get("/no/such/page/1")
    client.get("/no/such/page/2")
    assert _requests("unmatched", "GET", 404) == before + 2
    assert "/no/such/page/1" not in metrics.render().decode()
    before = _requests("unmatched", "other", 404)
    client.generic("BREW", "/no/such/page/3")
    assert _requests("unmatched", "other", 404) == before + 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the pool exists only on PostgreSQL")
def test_pool_stats_on_postgresql(admin_user) -> None:
    text = metrics.render().decode()
    if connection.settings_dict["OPTIONS"].get("pool"):
        assert re.search(r'^fluxops_db_pool\{database="default",stat="pool_max"\} \S+$', text, re.M)


# One gunicorn worker: counts `count` requests to /a and a map geometry miss; with "scrape" it also
# opens the warehouse (a scrape-time gauge) and prints a scrape, as the worker answering /metrics.
WORKER = """
import sys

import django

django.setup()
from analytics import warehouse
from fluxops import metrics
from grid import map_cache

count, scrape = int(sys.argv[1]), sys.argv[2] == "scrape"
for _ in range(count):
    metrics.HTTP_REQUESTS.labels(route="/a", method="GET", status=200).inc()
    metrics.HTTP_LATENCY.labels(route="/a").observe(0.5)
map_cache.GEOMETRY_CACHE.labels(result="miss").inc()
if scrape:
    warehouse.get_warehouse()
    sys.stdout.write(metrics.render().decode())
"""


def test_counts_of_every_worker_process_are_summed_in_one_scrape(tmp_path: Path) -> None:
    """A scrape answered by one worker reports the sum over all workers writing to PROMETHEUS_MULTIPROC_DIR."""
    directory = tmp_path / "prometheus"
    directory.mkdir()
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env.update(
        DJANGO_SETTINGS_MODULE="fluxops.settings",
        FLUXOPS_VAR_DIR=str(tmp_path / "var"),
        PROMETHEUS_MULTIPROC_DIR=str(directory),
    )

    def worker(count: int, mode: str) -> tuple[int, str]:
        """Run one worker process to its end: its pid and what it printed."""
        process = subprocess.Popen(
            [sys.executable, "-c", WORKER, str(count), mode],
            cwd=django_settings.BASE_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        out, err = process.communicate(timeout=60)
        assert process.returncode == 0, err
        return process.pid, out

    for count in (4, 2):
        pid, _ = worker(count, "count")
        # What gunicorn's child_exit does: the counts of a worker that has gone stay in the sums.
        multiprocess.mark_process_dead(pid, str(directory))
    _, text = worker(1, "scrape")
    assert 'fluxops_http_requests_total{method="GET",route="/a",status="200"} 7.0\n' in text
    assert 'fluxops_http_request_duration_seconds_bucket{le="0.25",route="/a"} 0.0\n' in text
    assert 'fluxops_http_request_duration_seconds_bucket{le="0.5",route="/a"} 7.0\n' in text
    assert 'fluxops_http_request_duration_seconds_sum{route="/a"} 3.5\n' in text
    assert 'fluxops_http_request_duration_seconds_count{route="/a"} 7.0\n' in text
    assert 'fluxops_map_geometry_cache_total{result="miss"} 3.0\n' in text
    # Scrape-time gauges come from the answering process, in multiprocess mode too.
    assert "fluxops_warehouse_circuit_breaker_state 0.0\n" in text
    assert "# TYPE fluxops_db_pool gauge" in text
    assert len(list(directory.glob("counter_*.db"))) == 3
