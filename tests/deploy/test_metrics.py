"""The metrics registry, its Prometheus text rendering and the /metrics endpoint."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
from django.db import connection
from django.test import Client

from fluxops import metrics
from fluxops.metrics import Registry


def test_counter_and_histogram_render_in_prometheus_text_format() -> None:
    registry = Registry()
    requests = registry.add(metrics.Counter("demo_requests_total", "Requests.", labels=("route",)))
    latency = registry.add(metrics.Histogram("demo_seconds", "Latency.", labels=("route",), buckets=(0.1, 1.0)))
    requests.inc(route="/a")
    requests.inc(2, route="/a")
    latency.observe(0.05, route="/a")
    latency.observe(0.5, route="/a")
    latency.observe(3.0, route="/a")
    text = registry.render()
    assert "# HELP demo_requests_total Requests.\n# TYPE demo_requests_total counter\n" in text
    assert 'demo_requests_total{route="/a"} 3\n' in text
    assert "# TYPE demo_seconds histogram" in text
    assert 'demo_seconds_bucket{route="/a",le="0.1"} 1\n' in text
    assert 'demo_seconds_bucket{route="/a",le="1"} 2\n' in text
    assert 'demo_seconds_bucket{route="/a",le="+Inf"} 3\n' in text
    assert 'demo_seconds_sum{route="/a"} 3.55\n' in text
    assert 'demo_seconds_count{route="/a"} 3\n' in text


def test_label_values_are_escaped() -> None:
    registry = Registry()
    counter = registry.add(metrics.Counter("demo_total", "x", labels=("path",)))
    counter.inc(path='a"b\\c\nd')
    assert 'demo_total{path="a\\"b\\\\c\\nd"} 1' in registry.render()


def test_counters_refuse_wrong_labels_and_decrements() -> None:
    counter = metrics.Counter("demo_total", "x", labels=("route",))
    with pytest.raises(ValueError):
        counter.inc(status=200)
    with pytest.raises(ValueError):
        counter.inc(-1, route="/")
    with pytest.raises(ValueError):
        metrics.Counter("bad name", "x")


def test_register_gauge_hook_reads_the_callback_at_scrape_time() -> None:
    state = {"open": 0}
    name = "fluxops_test_breaker_open"
    try:
        metrics.register_gauge(name, "1 while the breaker is open.", lambda: state["open"])
        assert f"{name} 0\n" in metrics.render()
        state["open"] = 1
        assert f"{name} 1\n" in metrics.render()
        # Re-registering (module reload) replaces the callback instead of duplicating the series.
        metrics.register_gauge(name, "1 while the breaker is open.", lambda: 7)
        assert metrics.render().count(f"# TYPE {name} gauge") == 1
        assert f"{name} 7\n" in metrics.render()
    finally:
        metrics.REGISTRY.unregister(name)


def test_labelled_gauge_and_broken_callback() -> None:
    try:
        metrics.register_gauge("fluxops_test_hits", "Hits.", lambda: {("segments",): 4, ("status",): 2}, ("layer",))
        metrics.register_gauge("fluxops_test_broken", "Broken.", lambda: 1 / 0)
        text = metrics.render()
        assert 'fluxops_test_hits{layer="segments"} 4\n' in text
        assert "# fluxops_test_broken unavailable: ZeroDivisionError" in text
        assert "# TYPE fluxops_test_broken" not in text
    finally:
        metrics.REGISTRY.unregister("fluxops_test_hits")
        metrics.REGISTRY.unregister("fluxops_test_broken")


def test_same_name_with_another_kind_is_refused() -> None:
    with pytest.raises(ValueError):
        metrics.register_gauge("fluxops_http_requests_total", "clash", lambda: 1)


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


def test_metrics_content_counts_requests_by_route(client: Client, admin_user) -> None:
    client.force_login(admin_user)
    before = metrics.HTTP_REQUESTS.value(route="/", method="GET", status="200")
    client.get("/")
    client.get("/")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    text = response.content.decode()
    match = re.search(r'^fluxops_http_requests_total\{route="/",method="GET",status="200"\} (\d+)$', text, re.M)
    assert match and int(match.group(1)) == before + 2
    assert re.search(r'^fluxops_http_request_duration_seconds_bucket\{route="/",le="\+Inf"\} \d+$', text, re.M)
    assert "# TYPE fluxops_db_pool gauge" in text


def test_unmatched_paths_share_one_route_label(client: Client, db) -> None:
    client.get("/no/such/page/1")
    client.get("/no/such/page/2")
    assert metrics.HTTP_REQUESTS.value(route="unmatched", method="GET", status="404") >= 2
    assert "/no/such/page/1" not in metrics.render()
    client.generic("BREW", "/no/such/page/3")
    assert metrics.HTTP_REQUESTS.value(route="unmatched", method="other", status="404") >= 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the pool exists only on PostgreSQL")
def test_pool_stats_on_postgresql(admin_user) -> None:
    text = metrics.render()
    if connection.settings_dict["OPTIONS"].get("pool"):
        assert re.search(r'^fluxops_db_pool\{database="default",stat="pool_max"\} \d+$', text, re.M)


def test_workers_share_counters_and_histograms_through_snapshot_files(tmp_path) -> None:
    """A scrape answered by one worker reports the sum over the live workers of its server."""

    def registry_with(count: int) -> Registry:
        registry = Registry()
        requests = registry.add(metrics.Counter("demo_requests_total", "Requests.", labels=("route",)))
        latency = registry.add(metrics.Histogram("demo_seconds", "Latency.", labels=("route",), buckets=(1.0,)))
        for _ in range(count):
            requests.inc(route="/a")
            latency.observe(0.5, route="/a")
        return registry

    share = metrics.WorkerShare(tmp_path)
    sibling = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    exited = subprocess.Popen([sys.executable, "-c", "pass"])
    exited.wait()
    try:
        # Files as a live sibling worker and an exited one of the same server would have left them.
        (tmp_path / f"{os.getppid()}-{sibling.pid}.json").write_text(json.dumps(registry_with(4).snapshot()))
        gone = tmp_path / f"{os.getppid()}-{exited.pid}.json"
        gone.write_text(json.dumps(registry_with(100).snapshot()))
        (tmp_path / f"{os.getppid() + 1}-{sibling.pid}.json").write_text(json.dumps(registry_with(50).snapshot()))
        other_server_gone = tmp_path / f"{os.getppid() + 1}-{exited.pid}.json"
        other_server_gone.write_text("{}")

        text = registry_with(3).render(share.siblings())
        assert 'demo_requests_total{route="/a"} 7\n' in text
        assert 'demo_seconds_bucket{route="/a",le="1"} 7\n' in text
        assert 'demo_seconds_sum{route="/a"} 3.5\n' in text
        assert not gone.exists() and not other_server_gone.exists(), "exited workers' files are removed"
        assert (tmp_path / f"{os.getppid() + 1}-{sibling.pid}.json").exists()

        share.publish(registry_with(2), force=True)
        own = json.loads((tmp_path / f"{os.getppid()}-{os.getpid()}.json").read_text())
        assert own["demo_requests_total"] == {'["/a"]': 2.0}
    finally:
        sibling.kill()
        sibling.wait()
