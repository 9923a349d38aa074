"""Fixtures and helpers of the grid tests."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from grid import network_cache
from grid.models import Device, Outage
from grid.services.outages import outage_transition


@pytest.fixture
def fresh_network_cache() -> Iterator[None]:
    """The topology cache lives per process, the data per test: each test sees its own network state."""
    network_cache.clear_cache()
    yield
    network_cache.clear_cache()


def restored_outage(*, by: User, minutes: float, area: str, customers: int) -> Outage:
    """A verified manual outage on the first fuse, `minutes` old, restored now by `by` through the service."""
    device = Device.objects.filter(kind="fuse").select_related("feeder").first()
    outage = Outage.objects.create(
        state="verified", source="manual", feeder=device.feeder, device=device,
        started_at=timezone.now() - timedelta(minutes=minutes), customers_affected=customers, areas={area: customers},
    )  # fmt: skip
    outage_transition(outage_id=outage.pk, version=1, action="restore", by=by)
    return outage
