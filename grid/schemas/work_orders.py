"""API schemas for work orders."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Field, Schema

from grid.models import WorkOrder


class WorkOrderIn(Schema):
    summary: str = Field(..., min_length=1, max_length=200)
    outage: int | None = None
    device: str | None = None
    priority: int = Field(3, ge=1, le=4)
    notes: str = Field("", max_length=2000)


class WorkOrderStatusIn(Schema):
    status: Literal["open", "assigned", "in_progress", "done", "cancelled"]
    crew: int | None = None
    note: str = Field("", max_length=500)


# A work order with its crew and device selected.
class WorkOrderOut(Schema):
    id: int
    code: str
    summary: str
    priority: int
    status: str
    outage: int | None = Field(..., alias="outage_id")
    device: str | None
    crew: str | None
    created_at: datetime
    closed_at: datetime | None

    @staticmethod
    def resolve_code(order: WorkOrder) -> str:
        return str(order)

    @staticmethod
    def resolve_device(order: WorkOrder) -> str | None:
        return order.device.code if order.device else None

    @staticmethod
    def resolve_crew(order: WorkOrder) -> str | None:
        return order.crew.name if order.crew else None
