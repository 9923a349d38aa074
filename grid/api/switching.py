"""Switching API: operate a device (open/close) with a reason."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Status
from ninja.errors import HttpError

from grid.api.common import request_user
from grid.models import Device
from grid.schemas.common import ERRORS
from grid.schemas.switching import OperateIn, OperationOut
from grid.services import switching as switching_services

router = Router(tags=["operations"])


@router.post("/devices/{code}/operate", response={201: OperationOut, **ERRORS})
def device_operate(request: HttpRequest, code: str, payload: OperateIn) -> Status[OperationOut]:
    """Open or close a device (operators); refuses a parallel unless `allow_parallel`."""
    device_id = Device.objects.by_code(code).values_list("pk", flat=True).first()
    if device_id is None:
        raise HttpError(404, f"Unknown device {code!r}.")
    operation = switching_services.device_operate(
        device_id=device_id,
        to_state=payload.to_state,
        reason=payload.reason,
        by=request_user(request),
        allow_parallel=payload.allow_parallel,
    )
    return Status(201, OperationOut.model_validate(operation))
