"""Reads of meter events: the open power-off reports the roll-up works from."""

from __future__ import annotations

from datetime import datetime

from grid.models import MeterEvent


def open_reports() -> dict[int, datetime]:
    """Meters whose latest unresolved message is a last gasp -> when it was sent."""
    latest: dict[int, tuple[datetime, str]] = {}
    for meter, kind, at in MeterEvent.objects.filter(resolved=False).values_list(
        "service_point_id", "kind", "occurred_at"
    ):
        if meter not in latest or at > latest[meter][0]:
            latest[meter] = (at, kind)
    return {meter: at for meter, (at, kind) in latest.items() if kind == MeterEvent.Kind.POWER_OFF}
