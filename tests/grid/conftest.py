"""Fixtures and helpers of the grid tests."""

from __future__ import annotations

import re
from collections import Counter, defaultdict, deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from grid import network_cache
from grid.engine.synthetic import Network
from grid.models import Device, Outage
from grid.services.outages import outage_record_step, outage_transition


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


# Internal values that must never reach an operator's screen (option values and CSS classes are fine).
RAW_CODES = ["assign_crew", "crew_assigned", "en_route", "on_site", "ami", "predicted", "verify", "arrive", "etr"]


def visible_text(html: str) -> str:
    """What a reader sees: the markup without its tags (attribute values go with them)."""
    return re.sub(r"<[^>]+>", " ", html)


@dataclass
class Stepped:
    """An outage restored through steps a test chose, with the figures the test works out from them."""

    outage: Outage
    restored_at: datetime
    duration_minutes: float
    customer_minutes: float


def restore_in_steps(
    device: Device, *, by: User, customers: int, steps: list[tuple[int, int]], started_ago: timedelta
) -> Stepped:
    """A verified outage at `device`: partial steps (minutes after start, customers), then the rest restored."""
    started = timezone.now() - started_ago
    outage = Outage.objects.create(
        state="verified", source="ami", feeder=device.feeder, device=device, started_at=started,
        customers_affected=customers, customers_by_class={"residential": customers},
    )  # fmt: skip
    *partial, (last_minutes, last_customers) = steps
    for minutes, count in partial:
        outage.refresh_from_db()
        outage_record_step(
            outage_id=outage.pk, version=outage.version, customers=count, by=by, at=started + timedelta(minutes=minutes)
        )
    assert customers - sum(count for _, count in partial) == last_customers
    outage.refresh_from_db()
    restored_at = started + timedelta(minutes=last_minutes)
    outage_transition(outage_id=outage.pk, version=outage.version, action="restore", by=by, at=restored_at)
    outage.refresh_from_db()
    return Stepped(
        outage=outage,
        restored_at=restored_at,
        duration_minutes=max(minutes for minutes, _ in steps),
        customer_minutes=sum(minutes * count for minutes, count in steps),
    )
