"""Network API: summary, substations, feeders, meters, and upstream/downstream traces."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Router
from ninja.errors import HttpError
from ninja.pagination import LimitOffsetPagination, paginate

from grid import network_cache
from grid.constants import normalise_code
from grid.models import (
    Device,
    Feeder,
    Segment,
    ServicePoint,
    Substation,
    Transformer,
)
from grid.schemas.common import ERRORS, ErrorOut
from grid.schemas.network import (
    CustomersOut,
    FeederOut,
    NetworkSummaryOut,
    ServicePointOut,
    SubstationOut,
    TraceDownOut,
    TraceUpOut,
)
from grid.selectors.network import FeederSummary, feeder_summaries, network_counts, substations_with_counts

router = Router(tags=["grid"])


@router.get("/summary", response={200: NetworkSummaryOut, 401: ErrorOut})
def network_summary(request: HttpRequest) -> NetworkSummaryOut:
    """Row counts of the stored network and customers served."""
    return NetworkSummaryOut.model_validate(network_counts())


@router.get("/substations", response={200: list[SubstationOut], 401: ErrorOut, 422: dict})
@paginate(LimitOffsetPagination)
def substation_list(request: HttpRequest) -> QuerySet[Substation]:
    """Substations with their feeder counts, by code."""
    return substations_with_counts()


@router.get("/feeders", response={200: list[FeederOut], 401: ErrorOut, 404: ErrorOut, 422: dict})
@paginate(LimitOffsetPagination)
def feeder_list(request: HttpRequest, substation: str | None = None) -> list[FeederSummary]:
    """Feeders with their size; `substation` filters by substation code."""
    station = None
    if substation is not None:
        station = Substation.objects.by_code(substation).first()
        if station is None:
            raise HttpError(404, f"Unknown substation {substation!r}.")
    return feeder_summaries(substation=station)


@router.get("/meters/{meter_id}", response={200: ServicePointOut, 401: ErrorOut, 404: ErrorOut})
def meter_detail(request: HttpRequest, meter_id: str) -> ServicePointOut:
    """One service point by meter id, with the transformer, feeder and substation it hangs on."""
    point = ServicePoint.objects.select_related("transformer__feeder__substation").by_meter(meter_id).first()
    if point is None:
        raise HttpError(404, f"Unknown meter {meter_id!r}.")
    return ServicePointOut.model_validate(point)


def _start_node(*, segment: int | None, transformer: str | None, meter: str | None) -> tuple[str, int]:
    """(label, node index) for the one start given."""
    given = [v for v in (segment, transformer, meter) if v is not None]
    if len(given) != 1:
        raise HttpError(400, "Give exactly one of segment, transformer or meter.")
    topology = network_cache.current_topology()
    if segment is not None:
        row = Segment.objects.filter(pk=segment).values_list("to_node_id", flat=True).first()
        if row is None:
            raise HttpError(404, f"Unknown segment {segment}.")
        index = topology.arrays.segment_index(segment)
        return f"S{segment}", network_cache.current_energization().downstream_node(index)
    if transformer is not None:
        node_id = Transformer.objects.by_code(transformer).values_list("node_id", flat=True).first()
        if node_id is None:
            raise HttpError(404, f"Unknown transformer {transformer!r}.")
        return normalise_code(transformer), topology.arrays.node_index(node_id)
    assert meter is not None  # exactly one start was given
    node_id = ServicePoint.objects.by_meter(meter).values_list("transformer__node_id", flat=True).first()
    if node_id is None:
        raise HttpError(404, f"Unknown meter {meter!r}.")
    return normalise_code(meter), topology.arrays.node_index(node_id)


@router.get("/trace/up", response={200: TraceUpOut, **ERRORS})
def trace_up(
    request: HttpRequest, segment: int | None = None, transformer: str | None = None, meter: str | None = None
) -> TraceUpOut:
    """From a segment, transformer or meter up to its substation, with the devices passed (nearest first)."""
    label, node = _start_node(segment=segment, transformer=transformer, meter=meter)
    live = network_cache.current_energization()
    topology = live.topology
    path = live.upstream_segments(node)
    devices = topology.devices_on(path)
    feeder_id = live.node_feeder(node)
    return TraceUpOut(
        start=label,
        feeder=Feeder.objects.filter(pk=feeder_id).values_list("code", flat=True).first() if feeder_id else None,
        energized=bool(live.energized[node]),
        segments=topology.arrays.segment_ids[path].tolist(),
        devices=[topology.arrays.device_codes[d] for d in devices],
        protective_devices=[topology.arrays.device_codes[d] for d in live.protective_upstream(node)],
    )


@router.get("/trace/down", response={200: TraceDownOut, **ERRORS})
def trace_down(request: HttpRequest, device: str | None = None, segment: int | None = None) -> TraceDownOut:
    """Everything a device or segment feeds now: segments, transformers, meters, customers by class."""
    if (device is None) == (segment is None):
        raise HttpError(400, "Give exactly one of device or segment.")
    topology = network_cache.current_topology()
    if device is not None:
        found = Device.objects.by_code(device).values_list("pk", flat=True).first()
        if found is None:
            raise HttpError(404, f"Unknown device {device!r}.")
        index = int(topology.arrays.device_segment[topology.device_index[found]])
        if index < 0:
            raise HttpError(400, f"{normalise_code(device)} sits on a node; trace from its segment instead.")
        label = normalise_code(device)
    else:
        assert segment is not None  # exactly one start was given
        if not Segment.objects.filter(pk=segment).exists():
            raise HttpError(404, f"Unknown segment {segment}.")
        index, label = topology.arrays.segment_index(segment), f"S{segment}"
    below = network_cache.current_energization().downstream(index)
    return TraceDownOut(
        start=label,
        segments=len(below.segments),
        transformers=below.transformers,
        meters=below.meters,
        customers=CustomersOut.model_validate(below.customers),
        customers_total=below.customer_total,
    )
