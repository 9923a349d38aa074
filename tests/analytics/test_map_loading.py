"""The map's loading colours from the warehouse's transformer peaks."""

from __future__ import annotations

import numpy as np
import pytest
from django.contrib.auth.models import User
from django.test import Client

from analytics import map_loading
from grid import network_cache
from grid.engine.map_status import decode_status
from grid.engine.synthetic import Network
from grid.models import Feeder, Segment


@pytest.fixture(autouse=True)
def fresh_state():
    network_cache.clear_cache()
    map_loading._cache.clear()
    yield
    network_cache.clear_cache()
    map_loading._cache.clear()


def test_loading_classes_follow_current_against_ampacity() -> None:
    # 12.47 kV, pf 0.95: 1 A is about 20.5 kW.
    through = np.array([0.0, 2_000.0, 6_000.0, 8_000.0, 20_000.0, 5_000.0])
    kv = np.full(6, 12.47)
    ampacity = np.full(6, 400.0)
    live = np.array([True, True, True, True, True, False])
    assert map_loading.loading_classes(through, kv, ampacity, live).tolist() == [0, 1, 2, 3, 4, 0]


def test_segments_get_loading_from_the_warehouse(small_network: Network, warehouse_url: str) -> None:
    classes = None
    for _ in range(50):  # the first call starts the query in the background and answers None
        classes = map_loading.segment_loading()
        if classes is not None:
            break
        __import__("time").sleep(0.1)
    assert classes is not None and len(classes) == Segment.objects.count()
    assert set(np.unique(classes).tolist()) - {0} and classes.max() <= 4
    # A feeder's head span carries at least the load class of any span below it.
    live = network_cache.current_energization()
    topology = live.topology
    feeder = Feeder.objects.select_related("head_breaker").first()
    head = int(topology.arrays.device_segment[topology.device_index[feeder.head_breaker_id]])
    below = live.downstream(head).segments
    assert classes[head] == classes[below].max()


def test_map_status_carries_loading_classes(
    client: Client, viewer: User, small_network: Network, warehouse_url: str
) -> None:
    client.force_login(viewer)
    for _ in range(50):
        status = decode_status(client.get("/map/status").content)
        if status["flags"] & 1:
            break
        __import__("time").sleep(0.1)
    assert status["flags"] & 1
    assert ((status["segments"] >> 2) & 7).max() >= 1


def test_map_status_without_a_warehouse_has_no_loading(client: Client, viewer: User, small_network: Network, settings):
    settings.WAREHOUSE_URL = "snowflake://u:p@acct/FLUX/AMI?host=127.0.0.1&port=9&protocol=http"
    settings.WAREHOUSE_CONNECT_TIMEOUT = 1
    client.force_login(viewer)
    response = client.get("/map/status")
    assert response.status_code == 200
    assert not decode_status(response.content)["flags"] & 1
