"""API schemas for crews."""

from __future__ import annotations

from ninja import Schema


class CrewOut(Schema):
    id: int
    name: str
    members: int
    status: str
    depot: str
    outage: int | None
