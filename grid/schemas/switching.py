"""API schemas for device operations."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Field, Schema

from grid.models import SwitchingOperation


class OperateIn(Schema):
    to_state: Literal["open", "closed"]
    reason: str = Field(..., min_length=1, max_length=200)
    allow_parallel: bool = False


class OperationOut(Schema):
    id: int
    device: str = Field(..., alias="device.code")
    at: datetime
    by: str
    from_state: str
    to_state: str
    reason: str
    customers_deenergized: int
    customers_reenergized: int
    outage: int | None = Field(..., alias="outage_id")

    @staticmethod
    def resolve_by(operation: SwitchingOperation) -> str:
        return operation.by.get_username()
