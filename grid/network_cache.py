"""Loads the network into topology arrays and keeps them cached per process, keyed by version.

The static graph is rebuilt when `NetworkVersion.structure` changes (seeding, admin edits);
the energization is recomputed when `NetworkVersion.state` changes (a switching operation).
Each request pays one small query to read the version; everything else comes from memory.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from django.db.models import Count, Model, QuerySet, Sum
from django.db.models.functions import Coalesce

from grid.constants import CUSTOMER_CLASSES
from grid.engine.arrays import BoolArray, IntArray
from grid.engine.rows import DeviceRow
from grid.engine.topology import Energization, NetworkArrays, Topology
from grid.models import Device, NetworkVersion, Node, Segment, ServicePoint, Transformer


def _columns(queryset: QuerySet[Model], columns: dict[str, type]) -> npt.NDArray[np.void]:
    """Some columns of `queryset` as a record array with one field per column (`segments["feeder_id"]`)."""
    return np.array(list(queryset.values_list(*columns)), dtype=list(columns.items()))


def load_arrays() -> NetworkArrays:
    """Read the stored network into index arrays (a few bulk queries)."""
    nodes = _columns(Node.objects.order_by("id"), {"id": np.int64, "kind": object})
    node_ids = np.ascontiguousarray(nodes["id"])
    segments = _columns(
        Segment.objects.order_by("id"),
        {"id": np.int64, "from_node_id": np.int64, "to_node_id": np.int64, "feeder_id": np.int64},
    )
    devices = [DeviceRow._make(row) for row in Device.objects.order_by("id").values_list(*DeviceRow._fields)]
    segment_ids = segments["id"]

    def positions(sorted_ids: IntArray, ids: list[int | None]) -> IntArray:
        values = np.array([-1 if i is None else i for i in ids], dtype=np.int64)
        found = np.searchsorted(sorted_ids, values)
        return np.where(values >= 0, found, -1)

    node_customers = np.zeros((len(node_ids), len(CUSTOMER_CLASSES)), dtype=np.int64)
    node_meters = np.zeros(len(node_ids), dtype=np.int64)
    per_class = ServicePoint.objects.values_list("transformer__node_id", "customer_class").annotate(
        customers=Sum("customers"), meters=Count("id")
    )
    for node_id, customer_class, customers, meters in per_class:
        index = np.searchsorted(node_ids, node_id)
        node_customers[index, CUSTOMER_CLASSES.index(customer_class)] += customers
        node_meters[index] += meters
    node_transformers = np.zeros(len(node_ids), dtype=np.int64)
    for node_id, count in Transformer.objects.values_list("node_id").annotate(n=Count("id")):
        node_transformers[np.searchsorted(node_ids, node_id)] = count
    transformers = _columns(
        Transformer.objects.order_by("id").annotate(customers=Coalesce(Sum("service_points__customers"), 0)),
        {"id": np.int64, "node_id": np.int64, "customers": np.int64},
    )
    return NetworkArrays(
        node_ids=node_ids,
        is_source=nodes["kind"] == Node.Kind.BUS,
        segment_ids=segment_ids,
        segment_from=np.searchsorted(node_ids, segments["from_node_id"]),
        segment_to=np.searchsorted(node_ids, segments["to_node_id"]),
        segment_feeder=segments["feeder_id"],
        device_ids=np.array([device.id for device in devices], dtype=np.int64),
        device_codes=[device.code for device in devices],
        device_kinds=[device.kind for device in devices],
        device_segment=positions(segment_ids, [device.segment_id for device in devices]),
        device_node=positions(node_ids, [device.node_id for device in devices]),
        device_normally_open=np.array([device.normal_state == Device.State.OPEN for device in devices], dtype=bool),
        node_customers=node_customers,
        node_meters=node_meters,
        node_transformers=node_transformers,
        transformer_ids=transformers["id"],
        transformer_node=np.searchsorted(node_ids, transformers["node_id"]),
        transformer_customers=transformers["customers"],
    )


def open_device_mask(topology: Topology) -> BoolArray:
    """Bool per device of the topology: currently open."""
    mask = np.zeros(len(topology.arrays.device_ids), dtype=bool)
    for device_id in Device.objects.filter(current_state=Device.State.OPEN).values_list("id", flat=True):
        index = topology.device_index.get(device_id)
        if index is not None:
            mask[index] = True
    return mask


@dataclass
class _Cached:
    structure: int = -1
    state: int = -1
    topology: Topology | None = None
    energization: Energization | None = None


_cache = _Cached()
_lock = threading.Lock()


def current_version() -> tuple[int, int]:
    """(structure, state) version of the stored network."""
    row = NetworkVersion.objects.filter(pk=1).values_list("structure", "state").first()
    return row or (0, 0)


def _topology_for(structure: int) -> Topology:
    """The graph for `structure`, rebuilt when it changed (call with the lock held)."""
    if _cache.topology is None or _cache.structure != structure:
        _cache.topology = Topology(load_arrays())
        _cache.structure, _cache.state, _cache.energization = structure, -1, None
    return _cache.topology


def current_topology() -> Topology:
    """The cached static graph for the stored network's structure version."""
    structure, _ = current_version()
    with _lock:
        return _topology_for(structure)


def current_energization() -> Energization:
    """The cached energization for the current device states (recomputed when they change)."""
    structure, state = current_version()
    with _lock:
        topology = _topology_for(structure)
        if _cache.energization is None or _cache.state != state:
            _cache.energization = topology.energize(open_device_mask(topology))
            _cache.state = state
        return _cache.energization


def clear_cache() -> None:
    """Forget the cached graph (tests; a process that swaps databases)."""
    with _lock:
        _cache.structure, _cache.state, _cache.topology, _cache.energization = -1, -1, None, None
