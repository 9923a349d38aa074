"""API schemas for outages, their steps and timeline, and lifecycle transitions."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema

from grid.models import Outage, OutageEvent
from grid.services.outages import allowed_actions


# An outage row: from `outage_list` (which annotates `restored`) or `outage_detail` (steps prefetched).
class OutageOut(Schema):
    id: int
    code: str
    state: str
    source: str
    cause: str
    feeder: str = Field(..., alias="feeder.code")
    location: str = Field(..., alias="location_label")
    started_at: datetime
    etr: datetime | None
    restored_at: datetime | None
    closed_at: datetime | None
    customers_affected: int
    customers_restored: int
    crew: str | None
    version: int

    @staticmethod
    def resolve_customers_restored(outage: Outage) -> int:
        restored: int | None = getattr(outage, "restored", None)
        if restored is None:
            restored = sum(step.customers_restored for step in outage.steps.all())
        return restored

    @staticmethod
    def resolve_crew(outage: Outage) -> str | None:
        return outage.crew.name if outage.crew else None


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

    @staticmethod
    def resolve_by(event: OutageEvent) -> str | None:
        return event.by.get_username() if event.by else None


# One outage from `outage_detail`, with its steps, timeline and the actions its state allows.
class OutageDetailOut(OutageOut):
    customers_by_class: dict[str, int]
    allowed_actions: list[str]
    steps: list[StepOut]
    timeline: list[EventOut] = Field(..., alias="events")

    @staticmethod
    def resolve_allowed_actions(outage: Outage) -> list[str]:
        return allowed_actions(outage)


class TransitionIn(Schema):
    action: str
    version: int
    crew: int | None = None
    cause: str | None = None
    note: str = Field("", max_length=500)
