"""Operations API: traces, device operations, meter events, outages, crews, work orders."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router, Status
from ninja.errors import HttpError
from ninja.pagination import LimitOffsetPagination, paginate

from grid import network_state, selectors, services
from grid.lookups import feeder_or_404
from grid.meter_event_parsing import split, validate_row
from grid.models import Crew, Device, Feeder, Outage, Segment, ServicePoint, SwitchingOperation, Transformer, WorkOrder
from grid.operations_schemas import (
    CrewOut,
    IngestOut,
    MeterEventsIn,
    OperateIn,
    OperationOut,
    OutageDetailOut,
    OutageOut,
    TraceDownOut,
    TraceUpOut,
    TransitionIn,
    WorkOrderIn,
    WorkOrderOut,
    WorkOrderStatusIn,
)
from grid.schemas import ErrorOut

router = Router(tags=["operations"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: dict}


def _start_node(*, segment: int | None, transformer: str | None, meter: str | None) -> tuple[str, int]:
    """(label, node index) for the one start given."""
    given = [v for v in (segment, transformer, meter) if v is not None]
    if len(given) != 1:
        raise HttpError(400, "Give exactly one of segment, transformer or meter.")
    topology = network_state.current_topology()
    if segment is not None:
        row = Segment.objects.filter(pk=segment).values_list("to_node_id", flat=True).first()
        if row is None:
            raise HttpError(404, f"Unknown segment {segment}.")
        index = topology.arrays.segment_index(segment)
        return f"S{segment}", network_state.current_energization().downstream_node(index)
    if transformer is not None:
        node_id = Transformer.objects.filter(code=transformer.upper()).values_list("node_id", flat=True).first()
        if node_id is None:
            raise HttpError(404, f"Unknown transformer {transformer!r}.")
        return transformer.upper(), topology.arrays.node_index(node_id)
    node_id = ServicePoint.objects.filter(meter_id=meter.upper()).values_list("transformer__node_id", flat=True).first()
    if node_id is None:
        raise HttpError(404, f"Unknown meter {meter!r}.")
    return meter.upper(), topology.arrays.node_index(node_id)


@router.get("/trace/up", response={200: TraceUpOut, **ERRORS})
def trace_up(
    request: HttpRequest, segment: int | None = None, transformer: str | None = None, meter: str | None = None
) -> dict:
    """From a segment, transformer or meter up to its substation, with the devices passed (nearest first)."""
    label, node = _start_node(segment=segment, transformer=transformer, meter=meter)
    live = network_state.current_energization()
    topology = live.topology
    path = live.upstream_segments(node)
    devices = topology.devices_on(path)
    feeder_id = live.node_feeder(node)
    return {
        "start": label,
        "feeder": Feeder.objects.filter(pk=feeder_id).values_list("code", flat=True).first() if feeder_id else None,
        "energized": bool(live.energized[node]),
        "segments": topology.arrays.segment_ids[path].tolist(),
        "devices": [topology.arrays.device_codes[d] for d in devices],
        "protective_devices": [
            topology.arrays.device_codes[d]
            for d in devices
            if topology.arrays.device_kinds[d] in Device.PROTECTIVE_KINDS
        ],
    }


@router.get("/trace/down", response={200: TraceDownOut, **ERRORS})
def trace_down(request: HttpRequest, device: str | None = None, segment: int | None = None) -> dict:
    """Everything a device or segment feeds now: segments, transformers, meters, customers by class."""
    if (device is None) == (segment is None):
        raise HttpError(400, "Give exactly one of device or segment.")
    topology = network_state.current_topology()
    if device is not None:
        found = Device.objects.filter(code=device.upper()).values_list("pk", flat=True).first()
        if found is None:
            raise HttpError(404, f"Unknown device {device!r}.")
        index = int(topology.arrays.device_segment[topology.device_index[found]])
        if index < 0:
            raise HttpError(400, f"{device.upper()} sits on a node; trace from its segment instead.")
        label = device.upper()
    else:
        if not Segment.objects.filter(pk=segment).exists():
            raise HttpError(404, f"Unknown segment {segment}.")
        index, label = topology.arrays.segment_index(segment), f"S{segment}"
    below = network_state.current_energization().downstream(index)
    return {
        "start": label,
        "segments": len(below.segments),
        "transformers": below.transformers,
        "meters": below.meters,
        "customers": below.customers,
        "customers_total": below.customer_total,
    }


def _operation_out(operation: SwitchingOperation) -> dict:
    return {
        "id": operation.pk,
        "device": operation.device.code,
        "at": operation.at,
        "by": operation.by.get_username(),
        "from_state": operation.from_state,
        "to_state": operation.to_state,
        "reason": operation.reason,
        "customers_deenergized": operation.customers_deenergized,
        "customers_reenergized": operation.customers_reenergized,
        "outage": operation.outage_id,
    }


@router.post("/devices/{code}/operate", response={201: OperationOut, **ERRORS})
def device_operate(request: HttpRequest, code: str, payload: OperateIn) -> Status:
    """Open or close a device (operators); refuses a parallel unless `allow_parallel`."""
    device_id = Device.objects.filter(code=code.upper()).values_list("pk", flat=True).first()
    if device_id is None:
        raise HttpError(404, f"Unknown device {code!r}.")
    operation = services.device_operate(
        device_id=device_id,
        to_state=payload.to_state,
        reason=payload.reason,
        by=request.user,
        allow_parallel=payload.allow_parallel,
    )
    return Status(201, _operation_out(operation))


@router.post("/meter-events", response={200: IngestOut, **ERRORS})
def meter_events_ingest(request: HttpRequest, payload: MeterEventsIn) -> dict:
    """Ingest a batch of power_off / power_on messages; bad rows are reported by index, good rows kept."""
    from grid.roles import OPERATOR, has_role

    if not has_role(request.user, OPERATOR):
        raise HttpError(403, "Only operators, admins and integrations with that role may send meter events.")
    events, errors = split(validate_row(index, row) for index, row in enumerate(payload.events))
    result = services.meter_events_ingest(events=events, errors=errors)
    return {
        "stored": result.stored,
        "duplicates": result.duplicates,
        "rejected": len(result.errors),
        "errors": [{"line": e.line, "message": e.message} for e in sorted(result.errors, key=lambda e: e.line)],
        "outages": result.outages,
    }


def outage_out(outage: Outage) -> dict:
    """API form of an outage row (from `selectors.outage_list`, which annotates `restored`)."""
    restored = getattr(outage, "restored", None)
    if restored is None:
        restored = sum(step.customers_restored for step in outage.steps.all())
    return {
        "id": outage.pk,
        "code": outage.code,
        "state": outage.state,
        "source": outage.source,
        "cause": outage.cause,
        "feeder": outage.feeder.code,
        "location": outage.location_label,
        "started_at": outage.started_at,
        "etr": outage.etr,
        "restored_at": outage.restored_at,
        "closed_at": outage.closed_at,
        "customers_affected": outage.customers_affected,
        "customers_restored": restored,
        "crew": outage.crew.name if outage.crew else None,
        "version": outage.version,
    }


@router.get("/outages", response={200: list[OutageOut], **ERRORS})
@paginate(LimitOffsetPagination)
def outage_list(
    request: HttpRequest,
    active: bool = True,
    feeder: str | None = None,
    state: str | None = Query(None),
    cause: str | None = None,
    sort: str = "started",
) -> list[dict]:
    """Outages, active ones by default; filter by feeder code, state, cause; sort by started/customers/etr/feeder."""
    feeder_obj = None
    if feeder:
        feeder_obj = feeder_or_404(feeder)
    if state and state not in Outage.State.values:
        raise HttpError(400, f"Unknown state {state!r}.")
    if cause and cause not in Outage.Cause.values:
        raise HttpError(400, f"Unknown cause {cause!r}.")
    if sort not in selectors.OUTAGE_SORTS:
        raise HttpError(400, f"sort must be one of {', '.join(selectors.OUTAGE_SORTS)}.")
    outages = selectors.outage_list(active=active, feeder=feeder_obj, state=state, cause=cause, sort=sort)
    return [outage_out(o) for o in outages]


def _detail(outage_id: int) -> dict:
    outage = selectors.outage_detail(outage_id)
    if outage is None:
        raise HttpError(404, f"Unknown outage {outage_id}.")
    return {
        **outage_out(outage),
        "customers_by_class": outage.customers_by_class,
        "allowed_actions": services.allowed_actions(outage),
        "steps": [{"at": s.at, "customers_restored": s.customers_restored, "note": s.note} for s in outage.steps.all()],
        "timeline": [
            {
                "at": e.at,
                "by": e.by.get_username() if e.by else None,
                "action": e.action,
                "from_state": e.from_state,
                "to_state": e.to_state,
                "note": e.note,
            }
            for e in outage.events.all()
        ],
    }


@router.get("/outages/{outage_id}", response={200: OutageDetailOut, **ERRORS})
def outage_detail(request: HttpRequest, outage_id: int) -> dict:
    """One outage with its steps, timeline and the actions its state allows."""
    return _detail(outage_id)


@router.post("/outages/{outage_id}/transition", response={200: OutageDetailOut, **ERRORS})
def outage_transition(request: HttpRequest, outage_id: int, payload: TransitionIn) -> dict:
    """Apply a state-machine action; send the `version` you read (409 if someone changed it since)."""
    services.outage_transition(
        outage_id=outage_id,
        version=payload.version,
        action=payload.action,
        by=request.user,
        crew_id=payload.crew,
        cause=payload.cause,
        note=payload.note,
    )
    return _detail(outage_id)


@router.get("/crews", response={200: list[CrewOut], **ERRORS})
def crew_list(request: HttpRequest) -> list[dict]:
    """Crews with their status and current outage."""
    return [
        {
            "id": crew.pk,
            "name": crew.name,
            "members": crew.members,
            "status": crew.status,
            "depot": crew.depot,
            "outage": crew.current_outage.pk if crew.current_outage else None,
        }
        for crew in selectors.crews_with_assignments()
    ]


def _work_order_out(order: WorkOrder) -> dict:
    return {
        "id": order.pk,
        "code": str(order),
        "summary": order.summary,
        "priority": order.priority,
        "status": order.status,
        "outage": order.outage_id,
        "device": order.device.code if order.device else None,
        "crew": order.crew.name if order.crew else None,
        "created_at": order.created_at,
        "closed_at": order.closed_at,
    }


@router.get("/work-orders", response={200: list[WorkOrderOut], **ERRORS})
@paginate(LimitOffsetPagination)
def work_order_list(request: HttpRequest, open_only: bool = True) -> list[dict]:
    """Work orders, open ones by default, most urgent first."""
    orders = (
        selectors.open_work_orders()
        if open_only
        else WorkOrder.objects.select_related("crew", "device").order_by("-created_at")
    )
    return [_work_order_out(order) for order in orders]


@router.post("/work-orders", response={201: WorkOrderOut, **ERRORS})
def work_order_create(request: HttpRequest, payload: WorkOrderIn) -> Status:
    """Open a work order on an outage (id) or a device (code)."""
    device_id = None
    if payload.device:
        device_id = Device.objects.filter(code=payload.device.upper()).values_list("pk", flat=True).first()
        if device_id is None:
            raise HttpError(404, f"Unknown device {payload.device!r}.")
    if payload.outage and not Outage.objects.filter(pk=payload.outage).exists():
        raise HttpError(404, f"Unknown outage {payload.outage}.")
    order = services.work_order_create(
        summary=payload.summary,
        by=request.user,
        outage_id=payload.outage,
        device_id=device_id,
        priority=payload.priority,
        notes=payload.notes,
    )
    return Status(201, _work_order_out(WorkOrder.objects.select_related("crew", "device").get(pk=order.pk)))


@router.post("/work-orders/{order_id}/status", response={200: WorkOrderOut, **ERRORS})
def work_order_status(request: HttpRequest, order_id: int, payload: WorkOrderStatusIn) -> dict:
    """Move a work order (assign needs a crew)."""
    if payload.crew is not None and not Crew.objects.filter(pk=payload.crew).exists():
        raise HttpError(404, f"Unknown crew {payload.crew}.")
    services.work_order_set_status(
        work_order_id=order_id, status=payload.status, by=request.user, crew_id=payload.crew, note=payload.note
    )
    return _work_order_out(WorkOrder.objects.select_related("crew", "device").get(pk=order_id))
