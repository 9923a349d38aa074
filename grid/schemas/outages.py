"""API schemas for outages, their steps and timeline, and lifecycle transitions."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema


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
