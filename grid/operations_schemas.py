"""API schemas for tracing, switching, meter events, outages, crews and work orders."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from ninja import Field, Schema


class CustomersOut(Schema):
    residential: int
    commercial: int
    industrial: int


class TraceUpOut(Schema):
    start: str
    feeder: str | None
    energized: bool
    segments: list[int]
    devices: list[str]
    protective_devices: list[str]


class TraceDownOut(Schema):
    start: str
    segments: int
    transformers: int
    meters: int
    customers: CustomersOut
    customers_total: int


class OperateIn(Schema):
    to_state: Literal["open", "closed"]
    reason: str = Field(..., min_length=1, max_length=200)
    allow_parallel: bool = False


class OperationOut(Schema):
    id: int
    device: str
    at: datetime
    by: str
    from_state: str
    to_state: str
    reason: str
    customers_deenergized: int
    customers_reenergized: int
    outage: int | None


class MeterEventsIn(Schema):
    events: list[Any] = Field(..., max_length=50_000)


class RowErrorOut(Schema):
    line: int
    message: str


class IngestOut(Schema):
    stored: int
    duplicates: int
    rejected: int
    errors: list[RowErrorOut]
    outages: list[int]


class OutageOut(Schema):
    id: int
    code: str
    state: str
    source: str
    cause: str
    feeder: str
    location: str
    started_at: datetime
    etr: datetime | None
    restored_at: datetime | None
    closed_at: datetime | None
    customers_affected: int
    customers_restored: int
    crew: str | None
    version: int


class StepOut(Schema):
    at: datetime
    customers_restored: int
    note: str


class EventOut(Schema):
    at: datetime
    by: str | None
    action: str
    from_state: str
    to_state: str
    note: str


class OutageDetailOut(OutageOut):
    customers_by_class: dict[str, int]
    allowed_actions: list[str]
    steps: list[StepOut]
    timeline: list[EventOut]


class TransitionIn(Schema):
    action: str
    version: int
    crew: int | None = None
    cause: str | None = None
    note: str = Field("", max_length=500)


class CrewOut(Schema):
    id: int
    name: str
    members: int
    status: str
    depot: str
    outage: int | None


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


class WorkOrderOut(Schema):
    id: int
    code: str
    summary: str
    priority: int
    status: str
    outage: int | None
    device: str | None
    crew: str | None
    created_at: datetime
    closed_at: datetime | None
