"""Reads of work orders: the open ones, with their crew and subject."""

from __future__ import annotations

from django.db.models import QuerySet

from grid.models import (
    WorkOrder,
)


def open_work_orders() -> QuerySet[WorkOrder]:
    """Work orders not done or cancelled, most urgent first."""
    return WorkOrder.objects.open().select_related("crew", "outage", "device", "transformer")
