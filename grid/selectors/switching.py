"""Reads of the append-only switching log."""

from __future__ import annotations

from django.db.models import QuerySet

from grid.models import (
    Device,
    SwitchingOperation,
)


def switching_log(*, device: Device | None = None) -> QuerySet[SwitchingOperation]:
    """Switching operations, newest first."""
    operations = SwitchingOperation.objects.select_related("device", "by", "outage")
    if device is not None:
        operations = operations.filter(device=device)
    return operations
