"""Switching API: operate a device (open/close) with a reason."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Status
from ninja.errors import HttpError

from grid.models import Device, SwitchingOperation
from grid.schemas.common import ERRORS
from grid.schemas.switching import OperateIn, OperationOut
from grid.services import switching as switching_services

router = Router(tags=["operations"])


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
    device_id = Device.objects.by_code(code).values_list("pk", flat=True).first()
    if device_id is None:
        raise HttpError(404, f"Unknown device {code!r}.")
    operation = switching_services.device_operate(
        device_id=device_id,
        to_state=payload.to_state,
        reason=payload.reason,
        by=request.user,
        allow_parallel=payload.allow_parallel,
    )
    return Status(201, _operation_out(operation))
