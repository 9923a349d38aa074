"""Properties of the generated network: determinism, geography, electrical validity."""

from __future__ import annotations

import math
from collections import defaultdict

import pytest

from grid.engine.rows import SegmentRow
from grid.engine.synthetic import LAT_MAX, LAT_MIN, LON_MAX, LON_MIN, SCALES, Network, generate


def _find(parent: dict[int, int], node: int) -> int:
    while parent[node] != node:
        parent[node] = parent[parent[node]]
        node = parent[node]
    return node


def test_same_seed_same_network_and_checksum() -> None:
    first, second = generate("small", 3), generate("small", 3)
    assert first.checksum() == second.checksum()
    assert first.segments == second.segments
    assert generate("small", 4).checksum() != first.checksum()


def test_unknown_scale_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown scale 'huge'"):
        generate("huge", 1)


def test_default_scale_has_at_least_66000_segments() -> None:
    network = generate("default", 1)
    counts = network.counts()
    assert counts["segments"] >= 66_000
    assert 40 <= counts["substations"] <= 150
    assert counts["feeders"] == 4 * counts["substations"]


def test_everything_inside_the_houston_box(small_network_rows: Network) -> None:
    points = [(row.lon, row.lat) for row in small_network_rows.nodes]
    points += [(row.lon, row.lat) for row in small_network_rows.service_points]
    points += [tuple(vertex) for row in small_network_rows.segments for vertex in row.geometry]
    for lon, lat in points:
        assert -95.8 <= lon <= -95.0 and 29.5 <= lat <= 30.1
    assert -95.8 <= LON_MIN < LON_MAX <= -95.0 and 29.5 <= LAT_MIN < LAT_MAX <= 30.1


def test_segment_lengths_and_no_duplicates(small_network_rows: Network) -> None:
    pairs = set()
    for row in small_network_rows.segments:
        a, b, geometry, length = row.from_node_id, row.to_node_id, row.geometry, row.length_m
        assert a != b
        assert 30.0 <= length <= 400.0, row
        assert len(geometry) >= 2
        assert frozenset((a, b)) not in pairs
        pairs.add(frozenset((a, b)))


def test_segment_geometry_ends_at_its_nodes(small_network_rows: Network) -> None:
    nodes = {row.id: (row.lon, row.lat) for row in small_network_rows.nodes}
    for row in small_network_rows.segments:
        assert tuple(row.geometry[0]) == nodes[row.from_node_id]
        assert tuple(row.geometry[-1]) == nodes[row.to_node_id]


def test_radial_with_ties_open_and_every_meter_reaches_one_substation(small_network_rows: Network) -> None:
    net = small_network_rows
    open_segments = {row.segment_id for row in net.devices if row.normal_state == "open"}
    parent = {row.id: row.id for row in net.nodes}
    for row in net.segments:
        if row.id in open_segments:
            continue
        root_a, root_b = _find(parent, row.from_node_id), _find(parent, row.to_node_id)
        assert root_a != root_b, f"segment {row.id} closes a loop with ties open"
        parent[root_a] = root_b
    buses_per_component: dict[int, set[int]] = defaultdict(set)
    for row in net.nodes:
        if row.kind == "bus":
            buses_per_component[_find(parent, row.id)].add(row.substation_id)
    transformer_node = {row.id: row.node_id for row in net.transformers}
    for meter in net.service_points:
        component = _find(parent, transformer_node[meter.transformer_id])
        assert len(buses_per_component[component]) == 1, f"meter {meter.meter_id} is not fed by exactly one substation"


def test_every_feeder_is_one_tree_from_its_head_breaker(small_network_rows: Network) -> None:
    net = small_network_rows
    open_segments = {row.segment_id for row in net.devices if row.normal_state == "open"}
    by_feeder: dict[int, list[SegmentRow]] = defaultdict(list)
    for row in net.segments:
        if row.id not in open_segments:
            by_feeder[row.feeder_id].append(row)
    devices = {row.id: row for row in net.devices}
    for feeder in net.feeders:
        segments = by_feeder[feeder.id]
        head = devices[feeder.head_breaker_id]
        assert head.kind == "breaker" and head.feeder_id == feeder.id
        children = defaultdict(list)
        for row in segments:
            children[row.from_node_id].append(row.to_node_id)
        seen, stack = set(), [feeder.source_node_id]
        while stack:
            node = stack.pop()
            assert node not in seen
            seen.add(node)
            stack.extend(children[node])
        assert len(seen) == len(segments) + 1


def test_ties_join_two_feeders_and_are_normally_open(small_network_rows: Network) -> None:
    net = small_network_rows
    ties = [row for row in net.devices if row.tie_feeder_id is not None]
    assert ties, "the small network has tie switches"
    node_feeder = {row.id: row.feeder_id for row in net.nodes}
    segments = {row.id: row for row in net.segments}
    for tie in ties:
        assert tie.kind == "switch" and tie.normal_state == "open" and tie.current_state == "open"
        assert tie.feeder_id != tie.tie_feeder_id
        segment = segments[tie.segment_id]
        assert {node_feeder[segment.from_node_id], node_feeder[segment.to_node_id]} == {
            tie.feeder_id,
            tie.tie_feeder_id,
        }


def test_protection_and_customers_are_realistic(small_network_rows: Network) -> None:
    net = small_network_rows
    kinds = defaultdict(int)
    for row in net.devices:
        kinds[row.kind] += 1
    assert kinds["breaker"] == len(net.feeders)
    assert kinds["recloser"] >= len(net.feeders)
    assert kinds["fuse"] > 10 * len(net.feeders)
    meters = defaultdict(int)
    classes = {}
    for row in net.service_points:
        meters[row.transformer_id] += 1
        classes[row.transformer_id] = row.customer_class
    residential = [meters[t] for t, c in classes.items() if c == "residential"]
    assert min(residential) >= 3 and max(residential) <= 10
    assert {"residential", "commercial", "industrial"} <= set(classes.values())


def test_feeders_stay_in_their_own_area(small_network_rows: Network) -> None:
    """No spaghetti: a feeder's nodes lie within a few km of its substation."""
    net = small_network_rows
    subs = {row.id: (row.lon, row.lat) for row in net.substations}
    feeder_sub = {row.id: row.substation_id for row in net.feeders}
    spec = SCALES["small"]
    cell_km = max(spec.area[2] - spec.area[0], spec.area[3] - spec.area[1]) * 111 / min(spec.cols, spec.rows)
    for row in net.nodes:
        if row.feeder_id is None:
            continue
        lon, lat = subs[feeder_sub[row.feeder_id]]
        km = math.hypot((row.lon - lon) * 96.6, (row.lat - lat) * 110.5)
        assert km <= cell_km, row
