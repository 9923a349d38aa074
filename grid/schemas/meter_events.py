"""API schemas for meter event batches and their row errors."""

from __future__ import annotations

from typing import Any

from ninja import Field, Schema

from grid.engine.meter_events import RowError
from grid.services.meter_events import IngestResult


class MeterEventsIn(Schema):
    events: list[Any] = Field(..., max_length=50_000)


class RowErrorOut(Schema):
    line: int
    message: str


# What an ingest did (`IngestResult`), its rejected rows in line order.
class IngestOut(Schema):
    stored: int
    duplicates: int
    rejected: int
    errors: list[RowErrorOut]
    outages: list[int]

    @staticmethod
    def resolve_rejected(result: IngestResult) -> int:
        return len(result.errors)

    @staticmethod
    def resolve_errors(result: IngestResult) -> list[RowError]:
        return sorted(result.errors, key=lambda error: error.line)
