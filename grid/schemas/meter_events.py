"""API schemas for meter event batches and their row errors."""

from __future__ import annotations

from typing import Any

from ninja import Field, Schema


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
