"""Tracing and energization on small hand-built networks and on the generated one."""

from __future__ import annotations

import numpy as np
import pytest
from django.contrib.auth.models import User
from django.test import Client

from grid import network_cache
from grid.engine.synthetic import Network
from grid.engine.topology import NetworkArrays, Topology
from grid.models import Device, Feeder
from grid.selectors.map import asset_detail
from grid.services.network import device_states_changed
from grid.services.switching import switching_preview
from tests.grid.conftest import RowGraph


def build(
    nodes: int,
    sources: list[int],
    segments: list[tuple[int, int, int]],
    devices: list[tuple[str, str, int, bool]],
    customers: dict[int, tuple[int, int, int]],
    node_devices: list[tuple[str, int]] = (),
) -> Topology:
    """A network from plain lists: segments (from, to, feeder), devices (code, kind, segment, normally open),
    switches on nodes (code, node)."""
    devices = [*devices, *((code, "switch", -1, False) for code, _ in node_devices)]
    node_customers = np.zeros((nodes, 3), dtype=np.int64)
    for node, counts in customers.items():
        node_customers[node] = counts
    return Topology(
        NetworkArrays(
            node_ids=np.arange(1, nodes + 1),
            is_source=np.isin(np.arange(nodes), sources),
            segment_ids=np.arange(1, len(segments) + 1),
            segment_from=np.array([s[0] for s in segments]),
            segment_to=np.array([s[1] for s in segments]),
            segment_feeder=np.array([s[2] for s in segments]),
            device_ids=np.arange(1, len(devices) + 1),
            device_codes=[d[0] for d in devices],
            device_kinds=[d[1] for d in devices],
            device_segment=np.array([d[2] for d in devices]),
            device_node=np.array([-1] * (len(devices) - len(node_devices)) + [n for _, n in node_devices]),
            device_normally_open=np.array([d[3] for d in devices]),
            node_customers=node_customers,
            node_meters=(node_customers.sum(axis=1) > 0).astype(np.int64),
            node_transformers=(node_customers.sum(axis=1) > 0).astype(np.int64),
            transformer_ids=np.flatnonzero(node_customers.sum(axis=1)) + 100,
            transformer_node=np.flatnonzero(node_customers.sum(axis=1)),
            transformer_customers=node_customers.sum(axis=1)[node_customers.sum(axis=1) > 0],
        )
    )


@pytest.fixture
def two_feeders() -> Topology:
    """Bus 0 feeds 1-2-3 (feeder 1, breaker on s0, recloser on s1, fuse lateral 2-4);
    bus 5 feeds 6-7 (feeder 2); a normally-open tie joins 3 and 7; a switch sits on s2."""
    segments = [(0, 1, 1), (1, 2, 1), (2, 3, 1), (2, 4, 1), (5, 6, 2), (6, 7, 2), (3, 7, 1)]
    devices = [
        ("BK-1", "breaker", 0, False),
        ("RC-1", "recloser", 1, False),
        ("SW-1", "switch", 2, False),
        ("FU-1", "fuse", 3, False),
        ("BK-2", "breaker", 4, False),
        ("TIE-1", "switch", 6, True),
    ]
    customers = {1: (5, 0, 0), 2: (3, 1, 0), 3: (10, 0, 0), 4: (4, 0, 0), 6: (7, 0, 0), 7: (2, 0, 1)}
    return build(8, [0, 5], segments, devices, customers)


def normal(topology: Topology) -> np.ndarray:
    return topology.arrays.device_normally_open.copy()


def test_normal_state_energizes_everything_but_the_tie(two_feeders: Topology) -> None:
    live = two_feeders.energize(normal(two_feeders))
    assert live.energized.all()
    assert live.segment_energized.tolist() == [True] * 6 + [False]
    assert live.node_feeder(3) == 1 and live.node_feeder(7) == 2


def test_upstream_trace_lists_protective_devices_nearest_first(two_feeders: Topology) -> None:
    live = two_feeders.energize(normal(two_feeders))
    path = live.upstream_segments(4)
    assert path == [3, 1, 0]
    assert [two_feeders.arrays.device_codes[d] for d in two_feeders.devices_on(path)] == ["FU-1", "RC-1", "BK-1"]
    assert live.upstream_segments(0) == []


def test_downstream_trace_counts_customers_by_class(two_feeders: Topology) -> None:
    live = two_feeders.energize(normal(two_feeders))
    recloser = live.downstream(1)
    assert sorted(recloser.nodes.tolist()) == [2, 3, 4]
    assert recloser.customers == {"residential": 17, "commercial": 1, "industrial": 0}
    assert recloser.segments.tolist() == [1, 2, 3]
    head = live.downstream(0)
    assert head.customer_total == 23 and head.meters == 4
    assert two_feeders.areas(recloser.nodes) == {"t102": 4, "t103": 10, "t104": 4}


def test_opening_a_device_de_energizes_what_it_feeds(two_feeders: Topology) -> None:
    states = normal(two_feeders)
    states[1] = True  # open RC-1
    live = two_feeders.energize(states)
    assert live.energized.tolist() == [True, True, False, False, False, True, True, True]
    # Downstream of an open device is the dead island behind it.
    behind = live.downstream(1)
    assert sorted(behind.nodes.tolist()) == [2, 3, 4] and behind.customer_total == 18


def test_tie_transfer_moves_load_to_the_neighbouring_feeder(two_feeders: Topology) -> None:
    states = normal(two_feeders)
    states[2] = True  # open SW-1 between 2 and 3
    states[5] = False  # close the tie 3-7
    live = two_feeders.energize(states)
    assert live.energized.all()
    assert live.node_feeder(3) == 2 and live.node_feeder(2) == 1
    assert live.upstream_segments(3) == [6, 5, 4]
    assert sorted(live.downstream(4).nodes.tolist()) == [3, 6, 7]


def test_closing_a_tie_without_opening_makes_a_loop_fed_once(two_feeders: Topology) -> None:
    states = normal(two_feeders)
    states[5] = False
    live = two_feeders.energize(states)
    assert live.energized.all()
    assert (live.parent_segment >= 0).sum() == 6  # a spanning tree: every non-bus node has one parent


def test_node_device_blocks_the_node() -> None:
    topology = build(3, [0], [(0, 1, 1), (1, 2, 1)], [], {2: (1, 0, 0)}, node_devices=[("SW-N", 1)])
    assert topology.energize(np.array([True])).energized.tolist() == [True, False, False]
    assert topology.energize(np.array([False])).energized.tolist() == [True, True, True]


def test_generated_network_is_fully_energized_and_cached(small_network: Network, django_assert_num_queries) -> None:
    network_cache.clear_cache()
    live = network_cache.current_energization()
    assert live.energized.all()
    ties = Device.objects.filter(tie_feeder__isnull=False).count()
    assert (~live.segment_energized).sum() == ties
    with django_assert_num_queries(1):
        assert network_cache.current_energization() is live


def test_switching_state_change_recomputes_energization(small_network: Network) -> None:
    network_cache.clear_cache()
    before = network_cache.current_energization()
    feeder = Feeder.objects.select_related("head_breaker").first()
    Device.objects.filter(pk=feeder.head_breaker_id).update(current_state=Device.State.OPEN)
    device_states_changed()
    after = network_cache.current_energization()
    assert after is not before
    topology = network_cache.current_topology()
    head = int(topology.arrays.device_segment[topology.device_index[feeder.head_breaker_id]])
    dead = after.downstream(head)
    assert dead.customer_total > 0 and not after.energized[dead.nodes].any()
    network_cache.clear_cache()


def test_admin_edit_bumps_the_structure_version(small_network: Network) -> None:
    structure, _ = network_cache.current_version()
    device = Device.objects.first()
    device.save()
    assert network_cache.current_version()[0] != structure


def test_through_load_sums_everything_fed_through_each_segment(two_feeders: Topology) -> None:
    live = two_feeders.energize(normal(two_feeders))
    load = np.zeros(8)
    load[[1, 2, 3, 4, 6, 7]] = [5, 4, 10, 4, 7, 3]
    through = live.through_load(load)
    assert through.tolist() == [23, 18, 10, 4, 10, 3, 0]
    states = normal(two_feeders)
    states[1] = True  # open RC-1: nothing flows through it or below it
    assert two_feeders.energize(states).through_load(load).tolist() == [5, 0, 0, 0, 10, 3, 0]


def test_an_open_tie_between_two_live_feeders_feeds_nothing(two_feeders: Topology) -> None:
    live = two_feeders.energize(normal(two_feeders))
    tie = live.downstream(6)
    assert tie.nodes.tolist() == [] and tie.segments.tolist() == []
    assert tie.customer_total == 0 and tie.meters == 0 and tie.transformers == 0
    # Nothing is below a segment that closes a loop either: both its ends are fed through other paths.
    states = normal(two_feeders)
    states[5] = False
    looped = two_feeders.energize(states)
    loop_edges = [s for s in range(7) if s not in looped.parent_segment.tolist()]
    assert len(loop_edges) == 1 and looped.downstream(loop_edges[0]).customer_total == 0


def test_an_open_tie_with_one_dead_side_feeds_that_dead_island(two_feeders: Topology) -> None:
    states = normal(two_feeders)
    states[4] = True  # open BK-2: feeder 2 (nodes 6 and 7) is dead
    live = two_feeders.energize(states)
    tie = live.downstream(6)
    assert sorted(tie.nodes.tolist()) == [6, 7] and tie.customer_total == 10
    assert tie.segments.tolist() == [5, 6]  # the span 6-7 and the tie's own segment
    assert not live.island_nodes(3, behind=6).size  # the live side is no part of the island


@pytest.mark.usefixtures("fresh_network_cache")
def test_every_open_tie_traces_nothing_with_both_sides_live_and_the_dead_island_with_one(
    client: Client, viewer: User, small_network: Network
) -> None:
    """Over every normally-open tie: trace/down, the asset panel and the close preview agree with a BFS of our own."""
    client.force_login(viewer)
    graph = RowGraph(small_network)
    normally_open = {device.id for device in small_network.devices if device.normal_state == "open"}
    ties = [device for device in small_network.devices if device.tie_feeder_id is not None]
    assert ties and {tie.id for tie in ties} == normally_open
    feeder_codes = {feeder.id: feeder.code for feeder in small_network.feeders}
    live = graph.energize(normally_open)
    checked_dead_sides = 0
    for tie in ties:
        ends = graph.segments[tie.segment_id]
        assert all(end in live for end in ends), f"{tie.code}: both sides should be live"
        trace = client.get("/api/v1/grid/trace/down", {"device": tie.code}).json()
        assert (trace["customers_total"], trace["segments"], trace["transformers"], trace["meters"]) == (0, 0, 0, 0)
        assert asset_detail("device", tie.code).downstream.customer_total == 0
        closing = switching_preview(device=Device.objects.get(pk=tie.id), to_state="closed")
        assert sorted(closing.parallels) == sorted([feeder_codes[tie.feeder_id], feeder_codes[tie.tie_feeder_id]])
        assert closing.lost.customer_total == closing.gained.customer_total == 0

        for dead_end in ends:
            feeder = graph.feeding_device(dead_end, live)
            opened = normally_open | {feeder}
            island = graph.dead_island(dead_end, opened)
            assert not any(end in island for end in ends if end != dead_end)
            customers = graph.customers_in(island)
            inside = {s for s, (a, b) in graph.segments.items() if a in island and b in island} | {tie.segment_id}
            Device.objects.filter(pk=feeder).update(current_state=Device.State.OPEN)
            device_states_changed()

            trace = client.get("/api/v1/grid/trace/down", {"device": tie.code}).json()
            assert trace["customers"] == {name: customers[name] for name in trace["customers"]}
            assert trace["customers_total"] == sum(customers.values()) > 0
            assert trace["segments"] == len(inside)
            assert trace["transformers"] == sum(graph.transformers[node] for node in island)
            assert trace["meters"] == sum(graph.meters[node] for node in island)
            energization = network_cache.current_energization()
            arrays = energization.topology.arrays
            below = energization.downstream(arrays.segment_index(tie.segment_id))
            assert set(arrays.node_ids[below.nodes].tolist()) == island
            assert set(arrays.segment_ids[below.segments].tolist()) == inside
            assert asset_detail("device", tie.code).downstream.customer_total == sum(customers.values())
            # Closing the tie now picks the island up from the other feeder: no parallel, nobody lost.
            closing = switching_preview(device=Device.objects.get(pk=tie.id), to_state="closed")
            assert closing.parallels == [] and closing.lost.customer_total == 0
            assert set(arrays.node_ids[closing.gained.nodes].tolist()) == island

            Device.objects.filter(pk=feeder).update(current_state=Device.State.CLOSED)
            device_states_changed()
            checked_dead_sides += 1
    assert checked_dead_sides == 2 * len(ties)
