"""Named reads of the network model, used by views, the API and commands."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

import numpy as np
from django.db.models import Count, Max, Min, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone as django_timezone

from grid import network_state
from grid.maps import MapRows
from grid.models import (
    Crew,
    Device,
    Feeder,
    Node,
    Outage,
    OutageEvent,
    RestorationStep,
    Segment,
    ServicePoint,
    Substation,
    SwitchingOperation,
    Transformer,
    WorkOrder,
)
from grid.synthetic import TABLES, network_checksum
from grid.topology import CUSTOMER_CLASSES, PROTECTIVE_KINDS, Downstream

# Every network table: its model and columns, in the order of the generator's rows (`grid.synthetic.Network`).
NETWORK_TABLE_COLUMNS: dict[str, tuple[type, tuple[str, ...]]] = {
    "substations": (Substation, ("id", "code", "name", "lon", "lat", "capacity_mva")),
    "feeders": (Feeder, ("id", "code", "substation_id", "nominal_kv", "source_node_id", "head_breaker_id")),
    "nodes": (Node, ("id", "kind", "substation_id", "feeder_id", "lon", "lat")),
    "segments": (
        Segment,
        (
            "id",
            "feeder_id",
            "from_node_id",
            "to_node_id",
            "geometry",
            "length_m",
            "conductor",
            "ampacity_a",
            "phases",
            "min_lon",
            "min_lat",
            "max_lon",
            "max_lat",
        ),
    ),
    "devices": (
        Device,
        (
            "id",
            "code",
            "kind",
            "feeder_id",
            "segment_id",
            "node_id",
            "normal_state",
            "current_state",
            "tie_feeder_id",
        ),
    ),
    "transformers": (Transformer, ("id", "code", "node_id", "feeder_id", "kva", "phase", "install_year")),
    "service_points": (ServicePoint, ("id", "meter_id", "transformer_id", "customer_class", "customers", "lon", "lat")),
}


def _normalise(value: object) -> object:
    """Database values in the generator's types (Decimal -> float) so both checksums agree."""
    if value is not None and type(value).__name__ == "Decimal":
        return float(value)
    return value


def _table_rows(name: str) -> Iterator[tuple]:
    model, columns = NETWORK_TABLE_COLUMNS[name]
    for row in model.objects.order_by("id").values_list(*columns).iterator(chunk_size=10_000):
        yield tuple(_normalise(value) for value in row)


def network_checksum_from_db() -> str:
    """Checksum of the stored network, comparable with `Network.checksum()` of the generator."""
    return network_checksum({name: _table_rows(name) for name in TABLES})


def network_is_seeded() -> bool:
    """True when any part of a network is stored."""
    return Substation.objects.exists() or Segment.objects.exists()


def network_counts() -> dict[str, int | float]:
    """Row counts of every network table, customers served, tie switches and km of primary."""
    counts = {name: model.objects.count() for name, (model, _) in NETWORK_TABLE_COLUMNS.items()}
    counts["customers"] = ServicePoint.objects.aggregate(total=Sum("customers"))["total"] or 0
    counts["ties"] = Device.objects.filter(tie_feeder__isnull=False).count()
    counts["length_km"] = round((Segment.objects.aggregate(total=Sum("length_m"))["total"] or 0) / 1000, 1)
    return counts


def device_counts_by_kind() -> dict[str, int]:
    """Devices per kind, every kind listed (zero when absent)."""
    found = dict(Device.objects.values_list("kind").annotate(n=Count("id")).values_list("kind", "n"))
    return {kind: found.get(kind, 0) for kind in Device.Kind.values}


@dataclass(frozen=True)
class FeederSummary:
    """One feeder's size: what `grid_stats` and the overview page print."""

    code: str
    substation: str
    nominal_kv: float
    segments: int
    length_km: float
    transformers: int
    service_points: int
    customers: int
    devices: int
    ties: int


def feeder_summaries(*, substation: Substation | None = None) -> list[FeederSummary]:
    """Per-feeder sizes in four grouped queries, whatever the number of feeders."""
    feeders = Feeder.objects.select_related("substation").order_by("code")
    if substation is not None:
        feeders = feeders.filter(substation=substation)
    segments = {
        row["feeder"]: row for row in Segment.objects.values("feeder").annotate(n=Count("id"), metres=Sum("length_m"))
    }
    transformers = dict(Transformer.objects.values_list("feeder").annotate(n=Count("id")))
    meters = {
        row["transformer__feeder"]: row
        for row in ServicePoint.objects.values("transformer__feeder").annotate(
            n=Count("id"), customers=Sum("customers")
        )
    }
    devices = {
        row["feeder"]: row
        for row in Device.objects.values("feeder").annotate(
            n=Count("id"), ties=Count("id", filter=Q(tie_feeder__isnull=False))
        )
    }
    return [
        FeederSummary(
            code=feeder.code,
            substation=feeder.substation.code,
            nominal_kv=float(feeder.nominal_kv),
            segments=segments.get(feeder.id, {}).get("n", 0),
            length_km=round((segments.get(feeder.id, {}).get("metres") or 0) / 1000, 1),
            transformers=transformers.get(feeder.id, 0),
            service_points=meters.get(feeder.id, {}).get("n", 0),
            customers=meters.get(feeder.id, {}).get("customers") or 0,
            devices=devices.get(feeder.id, {}).get("n", 0),
            ties=devices.get(feeder.id, {}).get("ties", 0),
        )
        for feeder in feeders
    ]


def substations_with_counts() -> QuerySet[Substation]:
    """Substations annotated with their feeder count, for lists."""
    return Substation.objects.annotate(feeder_count=Count("feeders")).order_by("code")


OUTAGE_SORTS = {
    "started": ("-started_at", "-id"),
    "customers": ("-customers_affected", "-started_at"),
    "etr": ("etr", "-started_at"),
    "feeder": ("feeder__code", "-started_at"),
}


def outage_list(
    *,
    active: bool = True,
    feeder: Feeder | None = None,
    state: str | None = None,
    cause: str | None = None,
    sort: str = "started",
) -> QuerySet[Outage]:
    """Outages for the board and the API, with everything a row shows selected up front."""
    outages = Outage.objects.select_related(
        "feeder__substation", "device", "transformer", "service_point", "crew"
    ).annotate(restored=Coalesce(Sum("steps__customers_restored"), 0))
    if active:
        outages = outages.filter(state__in=Outage.ACTIVE_STATES)
    if feeder is not None:
        outages = outages.filter(feeder=feeder)
    if state:
        outages = outages.filter(state=state)
    if cause:
        outages = outages.filter(cause=cause)
    return outages.order_by(*OUTAGE_SORTS.get(sort, OUTAGE_SORTS["started"]))


def outage_detail(outage_id: int) -> Outage | None:
    """One outage with its timeline, steps and crew."""
    return (
        Outage.objects.select_related("feeder__substation", "device", "transformer", "service_point", "crew")
        .prefetch_related(
            Prefetch("events", queryset=OutageEvent.objects.select_related("by")),
            Prefetch("steps", queryset=RestorationStep.objects.select_related("by")),
            Prefetch("work_orders", queryset=WorkOrder.objects.select_related("crew")),
        )
        .filter(pk=outage_id)
        .first()
    )


def crews_with_assignments() -> list[Crew]:
    """Crews with their active outage and open work orders attached (`current_outage`, `open_orders`)."""
    crews = list(Crew.objects.order_by("name"))
    outages = {
        outage.crew_id: outage
        for outage in Outage.objects.filter(state__in=Outage.ACTIVE_STATES, crew__isnull=False).select_related(
            "device", "transformer", "service_point", "feeder"
        )
    }
    orders: dict[int, list[WorkOrder]] = {}
    for order in WorkOrder.objects.filter(status__in=WorkOrder.OPEN_STATUSES, crew__isnull=False):
        orders.setdefault(order.crew_id, []).append(order)
    for crew in crews:
        crew.current_outage = outages.get(crew.pk)
        crew.open_orders = orders.get(crew.pk, [])
    return crews


def open_work_orders() -> QuerySet[WorkOrder]:
    """Work orders not done or cancelled, most urgent first."""
    return WorkOrder.objects.filter(status__in=WorkOrder.OPEN_STATUSES).select_related(
        "crew", "outage", "device", "transformer"
    )


def switching_log(*, device: Device | None = None) -> QuerySet[SwitchingOperation]:
    """Switching operations, newest first."""
    operations = SwitchingOperation.objects.select_related("device", "by", "outage")
    if device is not None:
        operations = operations.filter(device=device)
    return operations


@dataclass(frozen=True)
class OutageWindow:
    """When the meters behind some transformers had no supply (naive local standard time, UTC-6)."""

    start: datetime
    end: datetime
    transformer_ids: tuple[int, ...]


AMI_STANDARD_TIME = dt_timezone(timedelta(hours=-6))


def outage_windows(start: datetime, end: datetime) -> list[OutageWindow]:
    """Interruptions overlapping [start, end) (naive UTC-6, as the AMI generator keeps time) by transformer.

    An outage's window runs from its start to its last restoration step (or now while it lasts);
    service-level outages are left out (one meter, not the transformer's).
    """
    aware_start, aware_end = start.replace(tzinfo=AMI_STANDARD_TIME), end.replace(tzinfo=AMI_STANDARD_TIME)
    now = django_timezone.now()
    outages = Outage.objects.filter(started_at__lt=aware_end).exclude(state=Outage.State.CANCELLED)
    outages = outages.filter(
        Q(restored_at__gt=aware_start) | Q(restored_at__isnull=True, state__in=Outage.ACTIVE_STATES)
    )
    windows = []
    for started, restored, areas in outages.values_list("started_at", "restored_at", "areas"):
        transformers = tuple(sorted(int(key[1:]) for key in areas if key.startswith("t")))
        if transformers:
            windows.append(
                OutageWindow(
                    start=started.astimezone(AMI_STANDARD_TIME).replace(tzinfo=None),
                    end=(restored or now).astimezone(AMI_STANDARD_TIME).replace(tzinfo=None),
                    transformer_ids=transformers,
                )
            )
    return windows


def map_rows() -> MapRows:
    """Everything the operations map draws, as plain rows in id order (seven bulk queries)."""
    return MapRows(
        substations=list(Substation.objects.order_by("id").values_list("id", "code", "name", "lon", "lat")),
        feeders=list(Feeder.objects.order_by("id").values_list("id", "code", "substation_id")),
        nodes=list(Node.objects.order_by("id").values_list("id", "lon", "lat", "feeder_id", "substation_id")),
        segments=list(
            Segment.objects.order_by("id")
            .values_list("id", "feeder_id", "geometry", "conductor", "phases")
            .iterator(chunk_size=10_000)
        ),
        devices=list(
            Device.objects.order_by("id").values_list(
                "id", "code", "kind", "feeder_id", "segment_id", "node_id", "normal_state", "tie_feeder_id"
            )
        ),
        transformers=[
            (tid, code, feeder_id, node_id, float(kva))
            for tid, code, feeder_id, node_id, kva in Transformer.objects.order_by("id").values_list(
                "id", "code", "feeder_id", "node_id", "kva"
            )
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
    instance: object = None


def _upstream(node: int) -> tuple[list[UpstreamDevice], bool]:
    """Protective devices from `node` to its source, nearest first; for a dead node, as normally fed."""
    energization = network_state.current_energization()
    topology = energization.topology
    normal = False
    if not energization.energized[node]:
        energization = topology.energize(topology.arrays.device_normally_open.copy())
        normal = True
    devices = topology.devices_on(energization.upstream_segments(node))
    arrays = topology.arrays
    ids = [int(arrays.device_ids[i]) for i in devices if arrays.device_kinds[i] in PROTECTIVE_KINDS]
    states = dict(Device.objects.filter(id__in=ids).values_list("id", "current_state"))
    found = [
        UpstreamDevice(code=arrays.device_codes[i], kind=arrays.device_kinds[i], state=states.get(device_id, ""))
        for i, device_id in zip([i for i in devices if arrays.device_kinds[i] in PROTECTIVE_KINDS], ids, strict=True)
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
        segments=np.empty(0), nodes=np.empty(0), customers=customers, meters=meters, transformers=transformers
    )


def _segment_detail(segment: Segment) -> AssetDetail:
    energization = network_state.current_energization()
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
    energization = network_state.current_energization()
    topology = energization.topology
    arrays = topology.arrays
    if device.segment_id is not None:
        segment = device.segment
        index = arrays.segment_index(segment.id)
        node = energization.downstream_node(index)
        downstream = energization.downstream(index)
        live = bool(
            energization.energized[arrays.segment_from[index]] or energization.energized[arrays.segment_to[index]]
        )
        lon, lat = segment.geometry[len(segment.geometry) // 2]
        location = f"segment S{segment.id}"
    else:
        node = arrays.node_index(device.node_id)
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
    if device.is_tie:
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
    energization = network_state.current_energization()
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
    energization = network_state.current_energization()
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
    ref = ref.strip().upper()
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


def locate_asset(query: str) -> dict | None:
    """Where an asset or meter id is on the map: kind, ref, point and (segments, feeders) a path or bounds."""
    ref = query.strip().upper()
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


def _active_outage_areas() -> list[tuple[Outage, np.ndarray, np.ndarray]]:
    """Active outages with the node and segment indexes they cover (below a device, or a transformer's node)."""
    from grid.services.outages import outage_location_node

    outages = list(
        Outage.objects.filter(state__in=Outage.ACTIVE_STATES).select_related(
            "device", "transformer", "service_point__transformer", "feeder"
        )
    )
    if not outages:
        return []
    live = network_state.current_energization()
    topology = live.topology
    areas = []
    for outage in outages:
        node = outage_location_node(outage, topology)
        if node is None:
            continue
        if outage.device_id:
            segment = int(topology.arrays.device_segment[topology.device_index[outage.device_id]])
            below = live.downstream(segment) if segment >= 0 else None
            nodes = below.nodes if below else np.array([node])
            segments = below.segments if below else np.array([], dtype=np.int64)
        else:
            nodes, segments = np.array([node]), np.array([], dtype=np.int64)
        areas.append((outage, nodes, segments))
    return areas


def active_outage_segment_mask() -> np.ndarray | None:
    """Bool per segment (segment id order) inside an active outage, for the map; None when there is none."""
    areas = _active_outage_areas()
    if not areas:
        return None
    mask = np.zeros(network_state.current_topology().arrays.segment_count, dtype=bool)
    for _, _, segments in areas:
        mask[segments] = True
    return mask


def asset_operations(detail: AssetDetail) -> dict[str, object]:
    """Active outages covering an asset, open work orders on it or on them, and whether it can be switched."""
    topology = network_state.current_topology()
    instance = detail.instance
    node = None
    if detail.kind == "device" and instance.segment_id:
        node = int(topology.arrays.segment_from[topology.arrays.segment_index(instance.segment_id)])
    elif detail.kind == "segment":
        node = int(topology.arrays.segment_to[topology.arrays.segment_index(instance.pk)])
    elif detail.kind == "transformer":
        node = topology.arrays.node_index(instance.node_id)
    elif detail.kind == "meter":
        node = topology.arrays.node_index(instance.transformer.node_id)
    outages = [
        outage
        for outage, nodes, _ in _active_outage_areas()
        if (node is not None and node in set(nodes.tolist()))
        or (detail.kind == "device" and outage.device_id == instance.pk)
    ]
    orders = WorkOrder.objects.filter(status__in=WorkOrder.OPEN_STATUSES).select_related("crew")
    subject = Q(outage__in=[o.pk for o in outages])
    if detail.kind == "device":
        subject |= Q(device=instance)
    if detail.kind == "transformer":
        subject |= Q(transformer=instance)
    return {"outages": outages, "work_orders": list(orders.filter(subject)), "switchable": detail.kind == "device"}
