"""Fixtures and helpers of the grid tests."""

from __future__ import annotations

from collections import Counter, defaultdict, deque
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from grid import network_cache
from grid.engine.synthetic import Network
from grid.models import Device, Outage
from grid.services.outages import outage_transition


@pytest.fixture
def fresh_network_cache() -> Iterator[None]:
    """The topology cache lives per process, the data per test: each test sees its own network state."""
    network_cache.clear_cache()
    yield
    network_cache.clear_cache()


def restored_outage(*, by: User, minutes: float, area: str, customers: int) -> Outage:
    """A verified manual outage on the first fuse, `minutes` old, restored now by `by` through the service."""
    device = Device.objects.filter(kind="fuse").select_related("feeder").first()
    outage = Outage.objects.create(
        state="verified", source="manual", feeder=device.feeder, device=device,
        started_at=timezone.now() - timedelta(minutes=minutes), customers_affected=customers, areas={area: customers},
    )  # fmt: skip
    outage_transition(outage_id=outage.pk, version=1, action="restore", by=by)
    return outage


class RowGraph:
    """The generated network's rows as a plain graph with its own queue-based energizer (no numpy, no engine)."""

    def __init__(self, network: Network) -> None:
        self.segments = {segment.id: (segment.from_node_id, segment.to_node_id) for segment in network.segments}
        self.adjacent: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for segment_id, (a, b) in self.segments.items():
            self.adjacent[a].append((segment_id, b))
            self.adjacent[b].append((segment_id, a))
        self.sources = [node.id for node in network.nodes if node.kind == "bus"]
        self.devices = network.devices
        self.device_on = {device.segment_id: device for device in network.devices if device.segment_id is not None}
        transformer_node = {transformer.id: transformer.node_id for transformer in network.transformers}
        self.transformers = Counter(transformer_node.values())
        self.customers: dict[int, Counter] = defaultdict(Counter)
        self.meters: Counter = Counter()
        for point in network.service_points:
            node = transformer_node[point.transformer_id]
            self.customers[node][point.customer_class] += point.customers
            self.meters[node] += 1

    def _blocked(self, open_ids: set[int]) -> tuple[set[int], set[int]]:
        devices = [device for device in self.devices if device.id in open_ids]
        return {d.segment_id for d in devices if d.segment_id}, {d.node_id for d in devices if d.node_id}

    def energize(self, open_ids: set[int]) -> dict[int, int | None]:
        """Live node id -> segment it is fed through (None for a bus)."""
        open_segments, blocked = self._blocked(open_ids)
        fed: dict[int, int | None] = {bus: None for bus in self.sources if bus not in blocked}
        queue = deque(fed)
        while queue:
            node = queue.popleft()
            for segment_id, other in self.adjacent[node]:
                if segment_id not in open_segments and other not in blocked and other not in fed:
                    fed[other] = segment_id
                    queue.append(other)
        return fed

    def dead_island(self, start: int, open_ids: set[int]) -> set[int]:
        """The dead nodes connected to `start` through conducting segments."""
        open_segments, blocked = self._blocked(open_ids)
        live = self.energize(open_ids)
        island, queue = {start}, deque([start])
        while queue:
            node = queue.popleft()
            for segment_id, other in self.adjacent[node]:
                if segment_id in open_segments or other in blocked or other in live or other in island:
                    continue
                island.add(other)
                queue.append(other)
        return island

    def customers_in(self, nodes: set[int]) -> Counter:
        """Customers by class hanging on `nodes`."""
        total: Counter = Counter()
        for node in nodes:
            total.update(self.customers[node])
        return total

    def feeding_device(self, node: int, live: dict[int, int | None]) -> int:
        """Id of the nearest device between `node` and its substation bus."""
        while (segment_id := live[node]) is not None:
            if segment_id in self.device_on:
                return self.device_on[segment_id].id
            a, b = self.segments[segment_id]
            node = a if b == node else b
        raise AssertionError(f"node {node} has no device upstream")
