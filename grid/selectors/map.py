"""Reads behind the operations map: map rows, open devices, the asset detail panel and asset search."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from django.db.models import Count, Max, Min, Model, Q, QuerySet, Sum

from grid import network_cache
from grid.constants import CUSTOMER_CLASSES, normalise_code
from grid.engine.map_geometry import (
    MapFeeder,
    MapNode,
    MapRows,
    MapSegment,
    MapSubstation,
    MapTransformer,
)
from grid.engine.rows import DeviceRow
from grid.engine.topology import Downstream
from grid.models import (
    Device,
    Feeder,
    Node,
    Outage,
    Segment,
    ServicePoint,
    Substation,
    Transformer,
    WorkOrder,
)
from grid.selectors.outages import _active_outage_areas


def _columns(model: type[Model], row_type: type[NamedTuple]) -> QuerySet[Model, tuple[object, ...]]:
    """The columns of `model` that `row_type` names, in id order."""
    return model._default_manager.order_by("id").values_list(*row_type._fields)


def map_rows() -> MapRows:
    """Everything the operations map draws, as rows in id order (six bulk queries)."""
    return MapRows(
        substations=list(map(MapSubstation._make, _columns(Substation, MapSubstation))),
        feeders=list(map(MapFeeder._make, _columns(Feeder, MapFeeder))),
        nodes=list(map(MapNode._make, _columns(Node, MapNode))),
        segments=list(map(MapSegment._make, _columns(Segment, MapSegment).iterator(chunk_size=10_000))),
        devices=list(map(DeviceRow._make, _columns(Device, DeviceRow))),
        transformers=[
            transformer._replace(kva=float(transformer.kva))
            for transformer in map(MapTransformer._make, _columns(Transformer, MapTransformer))
        ],
    )


def open_device_ids() -> set[int]:
    """Ids of the devices currently open."""
    return set(Device.objects.filter(current_state=Device.State.OPEN).values_list("id", flat=True))


ASSET_KINDS = ("segment", "device", "transformer", "substation", "meter")


@dataclass
class UpstreamDevice:
    """A protective device between an asset and its substation."""

    code: str
    kind: str
    state: str


# What an asset detail describes, by its kind: segment, device, transformer, meter, substation.
type Asset = Segment | Device | Transformer | ServicePoint | Substation


@dataclass
class AssetDetail:
    """One asset as the map's detail panel shows it."""

    kind: str
    ref: str
    title: str
    attributes: list[tuple[str, object]]
    feeder: Feeder | None
    substation: Substation | None
    energized: bool | None
    upstream: list[UpstreamDevice]
    upstream_is_normal: bool
    downstream: Downstream | None
    lon: float
    lat: float
    path: list[list[float]] | None = None
    instance: Asset | None = None


def _upstream(node: int) -> tuple[list[UpstreamDevice], bool]:
    """Protective devices from `node` to its source, nearest first; for a dead node, as normally fed."""
    energization = network_cache.current_energization()
    topology = energization.topology
    normal = False
    if not energization.energized[node]:
        energization = topology.energize(topology.arrays.device_normally_open.copy())
        normal = True
    devices = energization.protective_upstream(node)
    arrays = topology.arrays
    states = dict(Device.objects.filter(id__in=arrays.device_ids[devices].tolist()).values_list("id", "current_state"))
    found = [
        UpstreamDevice(
            code=arrays.device_codes[i], kind=arrays.device_kinds[i], state=states.get(int(arrays.device_ids[i]), "")
        )
        for i in devices
    ]
    return found, normal


def _customers(points: QuerySet[ServicePoint]) -> Downstream:
    """Customers by class, meters and transformers of a set of service points."""
    rows = points.values_list("customer_class").annotate(customers=Sum("customers"), meters=Count("id"))
    customers = {name: 0 for name in CUSTOMER_CLASSES}
    meters = 0
    for customer_class, total, count in rows:
        customers[customer_class] = total
        meters += count
    transformers = points.values("transformer_id").distinct().count()
    return Downstream(
        segments=np.empty(0, dtype=np.int64),
        nodes=np.empty(0, dtype=np.int64),
        customers=customers,
        meters=meters,
        transformers=transformers,
    )


def _segment_detail(segment: Segment) -> AssetDetail:
    energization = network_cache.current_energization()
    arrays = energization.topology.arrays
    index = arrays.segment_index(segment.id)
    upstream, normal = _upstream(energization.downstream_node(index))
    feeder = segment.feeder
    mid = segment.geometry[len(segment.geometry) // 2]
    return AssetDetail(
        kind="segment",
        ref=str(segment.id),
        title=f"Segment {segment}",
        attributes=[
            ("Conductor", segment.get_conductor_display()),
            ("Ampacity", f"{segment.ampacity_a} A"),
            ("Phases", segment.get_phases_display()),
            ("Length", f"{segment.length_m:,.0f} m"),
            ("From / to node", f"N{segment.from_node_id} / N{segment.to_node_id}"),
            ("Devices on it", ", ".join(d.code for d in segment.devices.all()) or "none"),
        ],
        feeder=feeder,
        substation=feeder.substation,
        energized=bool(energization.segment_energized[index]),
        upstream=upstream,
        upstream_is_normal=normal,
        downstream=energization.downstream(index),
        lon=mid[0],
        lat=mid[1],
        path=segment.geometry,
        instance=segment,
    )


def _device_detail(device: Device) -> AssetDetail:
    energization = network_cache.current_energization()
    topology = energization.topology
    arrays = topology.arrays
    segment = device.segment
    if segment is not None:
        index = arrays.segment_index(segment.id)
        node = energization.downstream_node(index)
        downstream = energization.downstream(index)
        live = bool(
            energization.energized[arrays.segment_from[index]] or energization.energized[arrays.segment_to[index]]
        )
        lon, lat = segment.geometry[len(segment.geometry) // 2]
        location = f"segment S{segment.id}"
    else:
        assert device.node is not None  # the device_on_segment_or_node constraint
        node = arrays.node_index(device.node.pk)
        live = bool(energization.energized[node])
        nodes = energization.subtree_nodes(node) if live else energization.island_nodes(node, behind=-1)
        downstream = topology.summarise(nodes)
        lon, lat = device.node.lon, device.node.lat
        location = f"node N{device.node_id}"
    upstream, normal = _upstream(node)
    upstream = [item for item in upstream if item.code != device.code]
    attributes: list[tuple[str, object]] = [
        ("Kind", device.get_kind_display()),
        ("State", device.get_current_state_display() + (" (abnormal)" if device.is_abnormal else "")),
        ("Normal state", device.get_normal_state_display()),
        ("Location", location),
    ]
    if device.tie_feeder is not None:
        attributes.append(("Tie to feeder", device.tie_feeder.code))
    return AssetDetail(
        kind="device",
        ref=device.code,
        title=f"{device.get_kind_display()} {device.code}",
        attributes=attributes,
        feeder=device.feeder,
        substation=device.feeder.substation,
        energized=live,
        upstream=upstream,
        upstream_is_normal=normal,
        downstream=downstream,
        lon=lon,
        lat=lat,
        instance=device,
    )


def _transformer_detail(transformer: Transformer, *, title: str | None = None) -> AssetDetail:
    energization = network_cache.current_energization()
    node = energization.topology.arrays.node_index(transformer.node_id)
    upstream, normal = _upstream(node)
    return AssetDetail(
        kind="transformer",
        ref=transformer.code,
        title=title or f"Transformer {transformer.code}",
        attributes=[
            ("Rating", f"{transformer.kva:g} kVA"),
            ("Phase", transformer.get_phase_display()),
            ("Installed", transformer.install_year),
            ("Node", f"N{transformer.node_id}"),
        ],
        feeder=transformer.feeder,
        substation=transformer.feeder.substation,
        energized=bool(energization.energized[node]),
        upstream=upstream,
        upstream_is_normal=normal,
        downstream=_customers(transformer.service_points.all()),
        lon=transformer.node.lon,
        lat=transformer.node.lat,
        instance=transformer,
    )


def _meter_detail(point: ServicePoint) -> AssetDetail:
    detail = _transformer_detail(point.transformer, title=f"Meter {point.meter_id}")
    detail.kind, detail.ref, detail.instance = "meter", point.meter_id, point
    detail.attributes = [
        ("Customer class", point.get_customer_class_display()),
        ("Customers", point.customers),
        ("Transformer", f"{point.transformer.code} ({point.transformer.kva:g} kVA)"),
    ]
    detail.downstream = _customers(ServicePoint.objects.filter(pk=point.pk))
    detail.lon, detail.lat = point.lon, point.lat
    return detail


def _substation_detail(station: Substation) -> AssetDetail:
    energization = network_cache.current_energization()
    arrays = energization.topology.arrays
    feeders = list(station.feeders.order_by("code").values_list("code", flat=True))
    bus = [arrays.node_index(node_id) for node_id in station.bus_nodes.values_list("id", flat=True)]
    return AssetDetail(
        kind="substation",
        ref=station.code,
        title=f"Substation {station.code} {station.name}",
        attributes=[
            ("Capacity", f"{station.capacity_mva} MVA"),
            ("Feeders", ", ".join(feeders) or "none"),
        ],
        feeder=None,
        substation=station,
        energized=bool(bus) and bool(energization.energized[bus].any()),
        upstream=[],
        upstream_is_normal=False,
        downstream=_customers(ServicePoint.objects.filter(transformer__feeder__substation=station)),
        lon=station.lon,
        lat=station.lat,
        instance=station,
    )


def asset_detail(kind: str, ref: str) -> AssetDetail | None:
    """The detail of one asset by kind and reference (segment id, device/transformer/substation code,
    meter id), or None when it does not exist."""
    ref = normalise_code(ref)
    if kind == "segment":
        number = ref.removeprefix("S")
        segment = (
            Segment.objects.select_related("feeder__substation").filter(pk=int(number)).first()
            if number.isdecimal()
            else None
        )
        return _segment_detail(segment) if segment else None
    if kind == "device":
        device = (
            Device.objects.select_related("feeder__substation", "segment", "node", "tie_feeder")
            .filter(code=ref)
            .first()
        )
        return _device_detail(device) if device else None
    if kind == "transformer":
        transformer = Transformer.objects.select_related("feeder__substation", "node").filter(code=ref).first()
        return _transformer_detail(transformer) if transformer else None
    if kind == "meter":
        point = (
            ServicePoint.objects.select_related("transformer__feeder__substation", "transformer__node")
            .filter(meter_id=ref)
            .first()
        )
        return _meter_detail(point) if point else None
    if kind == "substation":
        station = Substation.objects.filter(code=ref).first()
        return _substation_detail(station) if station else None
    raise ValueError(f"unknown asset kind {kind!r}")


def locate_asset(query: str) -> dict[str, object] | None:
    """Where an asset or meter id is on the map: kind, ref, point and (segments, feeders) a path or bounds."""
    ref = normalise_code(query)
    if feeder := Feeder.objects.filter(code=ref).first():
        box = Segment.objects.filter(feeder=feeder).aggregate(
            a=Min("min_lon"), b=Min("min_lat"), c=Max("max_lon"), d=Max("max_lat")
        )
        if box["a"] is None:
            return None
        bounds = [box["a"], box["b"], box["c"], box["d"]]
        return {
            "kind": "feeder",
            "ref": feeder.code,
            "label": f"Feeder {feeder.code}",
            "lon": (bounds[0] + bounds[2]) / 2,
            "lat": (bounds[1] + bounds[3]) / 2,
            "bounds": bounds,
        }
    for kind in ("substation", "device", "transformer", "meter", "segment"):
        if kind == "segment" and not (ref.removeprefix("S").isdecimal()):
            continue
        detail = asset_detail(kind, ref)
        if detail is not None:
            return {
                "kind": kind,
                "ref": detail.ref,
                "label": detail.title,
                "lon": detail.lon,
                "lat": detail.lat,
                "path": detail.path,
            }
    return None


@dataclass(frozen=True)
class AssetOperations:
    """What can be done about an asset: the outages covering it, open work orders, switchability."""

    outages: list[Outage]
    work_orders: list[WorkOrder]
    switchable: bool


def asset_operations(detail: AssetDetail) -> AssetOperations:
    """Active outages covering an asset, open work orders on it or on them, and whether it can be switched."""
    topology = network_cache.current_topology()
    instance = detail.instance
    node = None
    # The instance's type follows the detail's kind (segment, device, transformer, meter).
    if isinstance(instance, Device) and instance.segment_id:
        node = int(topology.arrays.segment_from[topology.arrays.segment_index(instance.segment_id)])
    elif isinstance(instance, Segment):
        node = int(topology.arrays.segment_to[topology.arrays.segment_index(instance.pk)])
    elif isinstance(instance, Transformer):
        node = topology.arrays.node_index(instance.node_id)
    elif isinstance(instance, ServicePoint):
        node = topology.arrays.node_index(instance.transformer.node_id)
    outages = [
        outage
        for outage, nodes, _ in _active_outage_areas()
        if (node is not None and node in set(nodes.tolist()))
        or (isinstance(instance, Device) and outage.device_id == instance.pk)
    ]
    orders = WorkOrder.objects.open().select_related("crew")
    subject = Q(outage__in=[o.pk for o in outages])
    if detail.kind == "device":
        subject |= Q(device=instance)
    if detail.kind == "transformer":
        subject |= Q(transformer=instance)
    return AssetOperations(
        outages=outages, work_orders=list(orders.filter(subject)), switchable=detail.kind == "device"
    )
