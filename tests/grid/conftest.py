"""Fixtures and helpers of the grid tests."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from grid import network_cache
from grid.models import Device, Outage
from grid.services.outages import outage_record_step, outage_transition


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


# Internal values that must never reach an operator's screen (option values and CSS classes are fine).
RAW_CODES = ["assign_crew", "crew_assigned", "en_route", "on_site", "ami", "predicted", "verify", "arrive", "etr"]


def visible_text(html: str) -> str:
    """What a reader sees: the markup without its tags (attribute values go with them)."""
    return re.sub(r"<[^>]+>", " ", html)


@dataclass
class Stepped:
    """An outage restored through steps a test chose, with the figures the test works out from them."""

    outage: Outage
    restored_at: datetime
    duration_minutes: float
    customer_minutes: float


def restore_in_steps(
    device: Device, *, by: User, customers: int, steps: list[tuple[int, int]], started_ago: timedelta
) -> Stepped:
    """A verified outage at `device`: partial steps (minutes after start, customers), then the rest restored."""
    started = timezone.now() - started_ago
    outage = Outage.objects.create(
        state="verified", source="ami", feeder=device.feeder, device=device, started_at=started,
        customers_affected=customers, customers_by_class={"residential": customers},
    )  # fmt: skip
    *partial, (last_minutes, last_customers) = steps
    for minutes, count in partial:
        outage.refresh_from_db()
        outage_record_step(
            outage_id=outage.pk, version=outage.version, customers=count, by=by, at=started + timedelta(minutes=minutes)
        )
    assert customers - sum(count for _, count in partial) == last_customers
    outage.refresh_from_db()
    restored_at = started + timedelta(minutes=last_minutes)
    outage_transition(outage_id=outage.pk, version=outage.version, action="restore", by=by, at=restored_at)
    outage.refresh_from_db()
    return Stepped(
        outage=outage,
        restored_at=restored_at,
        duration_minutes=max(minutes for minutes, _ in steps),
        customer_minutes=sum(minutes * count for minutes, count in steps),
    )
