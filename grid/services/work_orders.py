"""Work orders: created by operators for crews, moved through their statuses."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from grid.models import Crew, WorkOrder
from grid.services.errors import ServiceError
from grid.services.outages import _require_operator


@transaction.atomic
def work_order_create(
    *,
    summary: str,
    by: User,
    outage_id: int | None = None,
    device_id: int | None = None,
    transformer_id: int | None = None,
    priority: int = WorkOrder.Priority.NORMAL,
    notes: str = "",
) -> WorkOrder:
    """Open a work order on an outage or an asset."""
    _require_operator(by)
    summary = summary.strip()
    if not summary:
        raise ServiceError("A work order needs a summary.")
    if not (outage_id or device_id or transformer_id):
        raise ServiceError("A work order needs an outage, a device or a transformer.")
    if priority not in WorkOrder.Priority.values:
        raise ServiceError("Priority must be 1 (emergency) to 4 (low).")
    return WorkOrder.objects.create(
        summary=summary,
        outage_id=outage_id,
        device_id=device_id,
        transformer_id=transformer_id,
        priority=priority,
        notes=notes,
    )


WORK_ORDER_MOVES: dict[str, tuple[WorkOrder.Status, ...]] = {
    WorkOrder.Status.OPEN: (WorkOrder.Status.ASSIGNED, WorkOrder.Status.CANCELLED),
    WorkOrder.Status.ASSIGNED: (WorkOrder.Status.IN_PROGRESS, WorkOrder.Status.OPEN, WorkOrder.Status.CANCELLED),
    WorkOrder.Status.IN_PROGRESS: (WorkOrder.Status.DONE, WorkOrder.Status.CANCELLED),
}


@transaction.atomic
def work_order_set_status(
    *, work_order_id: int, status: str, by: User, crew_id: int | None = None, note: str = ""
) -> WorkOrder:
    """Move a work order along open -> assigned (with a crew) -> in progress -> done, or cancel it."""
    _require_operator(by)
    order = WorkOrder.objects.select_for_update().filter(pk=work_order_id).first()
    if order is None:
        raise ServiceError(f"Unknown work order {work_order_id}.")
    if status not in WORK_ORDER_MOVES.get(order.status, ()):
        raise ServiceError(f"{order} is {order.get_status_display().lower()}; it cannot become {status}.")
    if status == WorkOrder.Status.ASSIGNED:
        crew = Crew.objects.filter(pk=crew_id).exclude(status=Crew.Status.OFF_SHIFT).first() if crew_id else None
        if crew is None:
            raise ServiceError("Choose a crew that is on shift.")
        order.crew = crew
    if status == WorkOrder.Status.OPEN:
        order.crew = None
    order.status = status
    if status in (WorkOrder.Status.DONE, WorkOrder.Status.CANCELLED):
        order.closed_at = timezone.now()
    if note:
        order.notes = f"{order.notes}\n{timezone.now():%Y-%m-%d %H:%M} {by}: {note}".strip()
    order.save()
    return order
