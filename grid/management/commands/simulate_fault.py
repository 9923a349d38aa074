"""Simulate a fault at a device: emit the power-off (or power-on) messages its meters would send."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from grid import network_cache
from grid.engine.meter_events import ParsedEvent
from grid.engine.simulation import simulate_messages
from grid.models import Device, Outage, ServicePoint
from grid.services.meter_events import meter_events_ingest


def share(value: str) -> float:
    number = float(value)
    if not 0.0 <= number < 1.0:
        raise ValueError(value)
    return number


def seconds(value: str) -> float:
    number = float(value)
    if not 0.0 <= number <= 3600.0:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = (
        "Open a device in simulation (the stored network is not changed) and feed the last gasps its "
        "customers' meters would send through the normal ingest, in arrival order; --restore sends power-on."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--device", required=True, help="device code, e.g. FU-00012")
        parser.add_argument("--loss", type=share, default=0.2, help="share of messages lost, 0-1 (default 0.2)")
        parser.add_argument("--delay-max", type=seconds, default=120.0, help="max extra delay in s (default 120)")
        parser.add_argument("--seed", type=int, default=None, help="random seed for a repeatable run")
        parser.add_argument("--restore", action="store_true", help="send the power-on messages instead")

    def handle(self, *args: Any, device: str, loss: float, delay_max: float, seed: int | None, restore: bool,
               **options: Any) -> None:  # fmt: skip
        target = Device.objects.by_code(device).first()
        if target is None:
            raise CommandError(f"Unknown device {device!r}.")
        topology = network_cache.current_topology()
        live = network_cache.current_energization()
        segment = int(topology.arrays.device_segment[topology.device_index[target.pk]])
        if segment < 0:
            raise CommandError(f"{target.code} sits on a node; faults are simulated on segment devices.")
        below = live.downstream(segment)
        node_ids = topology.arrays.node_ids[below.nodes].tolist()
        meters = list(ServicePoint.objects.filter(transformer__node_id__in=node_ids).values_list("pk", "meter_id"))
        if not meters:
            raise CommandError(f"{target.code} feeds no meters.")
        meter_ids = dict(meters)
        kind = "power_on" if restore else "power_off"
        at = timezone.now() - timedelta(seconds=45 + delay_max)
        messages = simulate_messages(
            meters=meter_ids, kind=kind, at=at, loss=loss, delay_max=delay_max, rng=random.Random(seed)
        )
        events = [
            ParsedEvent(line=i, meter_id=meter_ids[m.meter], kind=m.kind, occurred_at=m.occurred_at)
            for i, m in enumerate(messages, start=1)
        ]
        # Arrival windows of 30 s: prediction re-runs after each, as it would on a live feed.
        windows: dict[int, list[ParsedEvent]] = {}
        for message, event in zip(messages, events, strict=True):
            windows.setdefault(int((message.arrives_at - at).total_seconds() // 30), []).append(event)
        stored = 0
        for window in sorted(windows):
            stored += meter_events_ingest(events=windows[window]).stored
        self.stdout.write(
            f"{target.code}: {len(meter_ids)} meters below, {len(messages)} {kind} messages sent "
            f"({len(meter_ids) - len(messages)} lost), {stored} stored"
        )
        for outage in Outage.objects.filter(state=Outage.State.PREDICTED).select_related(
            "device", "transformer", "service_point"
        ):
            self.stdout.write(f"predicted {outage}: {outage.location_label}, {outage.customers_affected} customers")
