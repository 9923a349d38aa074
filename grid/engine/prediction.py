"""Outage prediction from AMI power-loss messages: the roll-up rule, pure and testable.

The rule (also in the README):
1. Take every meter with an open power-off report (its latest message is a last gasp that no
   restoration has resolved) and group them by the transformer node they hang on.
2. For each group, walk up the live network from the transformer to the substation, visiting the
   protective devices (fuse, recloser, breaker) nearest first.
3. A device *qualifies* when the evidence below it is strong enough: at least `min_share` of the
   transformer locations it feeds have at least one reporting meter, and at least `min_meters`
   meters below it report. Locations, not meters, are counted because last gasps are lost
   independently per meter: a transformer with six meters almost never loses all six.
4. The predicted outage device is the highest device of the unbroken run of qualifying devices
   starting at the nearest one. Above the first, a device qualifies only on evidence from outside
   the zone of the one below it: at least `min_share` of the locations it feeds beyond that zone
   report (none beyond it: the lower device explains everything). So evidence confined to one
   lateral stops at its fuse, even when the lateral holds most of its recloser's locations;
   evidence spread over most of a recloser zone climbs to the recloser; and new reports from
   elsewhere escalate a prediction to a higher device.
5. When not even the nearest device qualifies, a transformer location with `min_meters` or more
   reporting meters is a transformer outage; a single meter alone is a service-level outage.
Meters on dead parts of the network (an operator opened a device upstream) are explained by that
switching and are not rolled up."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from grid.constants import ROLL_UP_KINDS
from grid.engine.topology import Energization


@dataclass(frozen=True)
class Thresholds:
    """How much evidence makes a device the probable outage location."""

    min_share: float = 0.7
    min_meters: int = 2


@dataclass
class Prediction:
    """A probable outage: at a device (index), a transformer node, or one meter."""

    level: str  # "device", "transformer" or "service"
    device: int | None = None
    node: int | None = None
    meters: list[int] = field(default_factory=list)


def protective_path(live: Energization, node: int) -> list[tuple[int, int]]:
    """(device index, segment index) of roll-up devices from `node` up to its bus, nearest first."""
    topology = live.topology
    path = live.upstream_segments(node)
    kinds = topology.arrays.device_kinds
    return [
        (device, int(topology.arrays.device_segment[device]))
        for device in topology.devices_on(path)
        if kinds[device] in ROLL_UP_KINDS
    ]


def roll_up(live: Energization, reports: Mapping[int, int], thresholds: Thresholds = Thresholds()) -> list[Prediction]:
    """Predict outages from open power-off reports {meter id: transformer node index}."""
    arrays = live.topology.arrays
    by_node: dict[int, list[int]] = defaultdict(list)
    for meter, node in reports.items():
        if live.energized[node]:
            by_node[node].append(meter)
    paths = {node: protective_path(live, node) for node in by_node}
    reporting_nodes: dict[int, int] = defaultdict(int)
    reporting_meters: dict[int, int] = defaultdict(int)
    segment_of: dict[int, int] = {}
    for node, path in paths.items():
        for device, segment in path:
            reporting_nodes[device] += 1
            reporting_meters[device] += len(by_node[node])
            segment_of[device] = segment
    located: dict[int, int] = {}

    def locations(device: int) -> int:
        if device not in located:
            below = live.downstream(segment_of[device]).nodes
            located[device] = int(np.count_nonzero(arrays.node_transformers[below]))
        return located[device]

    def qualifies(device: int, child: int | None) -> bool:
        if not (
            reporting_meters[device] >= thresholds.min_meters
            and reporting_nodes[device] >= thresholds.min_share * locations(device)
        ):
            return False
        if child is None:
            return True
        # Above a qualifying child, only evidence from outside the child's zone counts: a child holding
        # most of its parent's locations would otherwise lift its own reports one device too high.
        outside = locations(device) - locations(child)
        reported = reporting_nodes[device] - reporting_nodes[child]
        return outside > 0 and reported > 0 and reported >= thresholds.min_share * outside

    grouped: dict[int, list[int]] = defaultdict(list)
    predictions: list[Prediction] = []
    for node, path in sorted(paths.items()):
        chosen = None
        for device, _ in path:
            if not qualifies(device, chosen):
                break
            chosen = device
        if chosen is not None:
            grouped[chosen].extend(by_node[node])
        elif len(by_node[node]) >= thresholds.min_meters:
            predictions.append(Prediction("transformer", node=node, meters=sorted(by_node[node])))
        else:
            predictions.extend(Prediction("service", node=node, meters=[meter]) for meter in by_node[node])
    predictions.extend(Prediction("device", device=device, meters=sorted(meters)) for device, meters in grouped.items())
    return predictions
