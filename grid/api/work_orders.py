"""Work orders API: list, create, move through statuses."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Router, Status
from ninja.errors import HttpError
from ninja.pagination import LimitOffsetPagination, paginate

from grid.api.common import request_user
from grid.models import Crew, Device, Outage, WorkOrder
from grid.schemas.common import ERRORS
from grid.schemas.work_orders import WorkOrderIn, WorkOrderOut, WorkOrderStatusIn
from grid.selectors.work_orders import open_work_orders
from grid.services import work_orders as work_order_services
from grid.services.work_orders import work_order_set_status

router = Router(tags=["operations"])


def _work_order(order_id: int) -> WorkOrderOut:
    return WorkOrderOut.model_validate(WorkOrder.objects.select_related("crew", "device").get(pk=order_id))


@router.get("/work-orders", response={200: list[WorkOrderOut], **ERRORS})
@paginate(LimitOffsetPagination)
def work_order_list(request: HttpRequest, open_only: bool = True) -> QuerySet[WorkOrder]:
    """Work orders, open ones by default, most urgent first."""
    return (
        open_work_orders() if open_only else WorkOrder.objects.select_related("crew", "device").order_by("-created_at")
    )


@router.post("/work-orders", response={201: WorkOrderOut, **ERRORS})
def work_order_create(request: HttpRequest, payload: WorkOrderIn) -> Status[WorkOrderOut]:
    """Open a work order on an outage (id) or a device (code)."""
    device_id = None
    if payload.device:
        device_id = Device.objects.by_code(payload.device).values_list("pk", flat=True).first()
        if device_id is None:
            raise HttpError(404, f"Unknown device {payload.device!r}.")
    if payload.outage and not Outage.objects.filter(pk=payload.outage).exists():
        raise HttpError(404, f"Unknown outage {payload.outage}.")
    order = work_order_services.work_order_create(
        summary=payload.summary,
        by=request_user(request),
        outage_id=payload.outage,
        device_id=device_id,
        priority=payload.priority,
        notes=payload.notes,
    )
    return Status(201, _work_order(order.pk))


@router.post("/work-orders/{order_id}/status", response={200: WorkOrderOut, **ERRORS})
def work_order_status(request: HttpRequest, order_id: int, payload: WorkOrderStatusIn) -> WorkOrderOut:
    """Move a work order (assign needs a crew)."""
    if payload.crew is not None and not Crew.objects.filter(pk=payload.crew).exists():
        raise HttpError(404, f"Unknown crew {payload.crew}.")
    work_order_set_status(
        work_order_id=order_id, status=payload.status, by=request_user(request), crew_id=payload.crew, note=payload.note
    )
    return _work_order(order_id)
