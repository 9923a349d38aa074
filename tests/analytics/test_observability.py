"""Warehouse and map figures in /metrics and the warehouse query log."""

from __future__ import annotations

import logging

from django.contrib.auth.models import User
from django.test import Client

from analytics import warehouse
from grid import map_cache, network_cache
from grid.engine.synthetic import Network


def test_breaker_state_and_map_cache_are_in_metrics(
    client: Client, admin_user: User, small_network: Network, warehouse_url: str
) -> None:
    warehouse.get_warehouse()
    network_cache.clear_cache()
    map_cache.clear_cache()
    client.force_login(admin_user)
    assert client.get("/map/").status_code == 200
    assert client.get("/map/").status_code == 200
    text = client.get("/metrics").content.decode()
    assert "fluxops_warehouse_circuit_breaker_state 0" in text
    assert 'fluxops_map_geometry_cache_total{result="miss"}' in text
    assert 'fluxops_map_geometry_cache_total{result="hit"}' in text


def test_each_warehouse_query_is_logged_with_its_duration(small_network: Network, warehouse_url: str, caplog) -> None:
    with caplog.at_level(logging.INFO, logger="analytics.warehouse"):
        warehouse.get_warehouse().query("data_status", {})
    record = next(r for r in caplog.records if r.getMessage().startswith("warehouse query data_status"))
    assert record.query == "data_status" and record.duration_ms >= 0
