"""The outage detail in words: timeline labels, duration and customer-minutes once restored, customer classes."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.template import engines
from django.test import Client
from django.utils import timezone

from grid.engine.synthetic import Network
from grid.models import Crew, Device, Outage, OutageEvent
from grid.services.outages import TRANSITIONS, outage_record_step, outage_transition
from tests.grid.conftest import RAW_CODES, restore_in_steps, visible_text

pytestmark = pytest.mark.usefixtures("fresh_network_cache")


def test_closed_outage_detail_shows_duration_customer_minutes_and_a_labelled_timeline(
    client: Client, operator: User, viewer: User, small_network: Network
) -> None:
    crew = Crew.objects.create(name="Line 12", members=2, depot="Heights depot", depot_lon=-95.4, depot_lat=29.8)
    device = Device.objects.filter(kind="fuse").select_related("feeder").order_by("pk")[2]
    started = timezone.now() - timedelta(hours=4)
    outage = Outage.objects.create(
        state="predicted", source="ami", feeder=device.feeder, device=device, started_at=started,
        customers_affected=40, customers_by_class={"residential": 36, "commercial": 4},
    )  # fmt: skip

    def act(action: str, minutes: int, **kwargs: object) -> None:
        outage.refresh_from_db()
        at = started + timedelta(minutes=minutes)
        outage_transition(outage_id=outage.pk, version=outage.version, action=action, by=operator, at=at, **kwargs)

    act("verify", 5)
    act("assign_crew", 8, crew_id=crew.pk)
    act("dispatch", 10)
    act("arrive", 45)
    outage.refresh_from_db()
    outage_record_step(
        outage_id=outage.pk, version=outage.version, customers=25, by=operator, at=started + timedelta(minutes=60)
    )
    act("restore", 100)
    act("close", 110, cause="animal")
    client.force_login(viewer)
    html = client.get(f"/outages/{outage.pk}/").content.decode()
    text = visible_text(html)
    # 25 customers back after 60 min, the other 15 after 100 min.
    assert "<dt>Duration</dt><dd>1 h 40 min</dd>" in html
    assert f"<dt>Customer-minutes</dt><dd>{25 * 60 + 15 * 100:,}</dd>" in html
    assert "<dt>Cause</dt><dd>Animal</dd>" in html and "<dt>Source</dt><dd>AMI power-loss roll-up</dd>" in html
    assert "<dt>Residential</dt><dd>36</dd>" in html and "<dt>Commercial</dt><dd>4</dd>" in html
    timeline = visible_text(re.search(r'<ol class="timeline">.*?</ol>', html, re.S).group(0))
    steps = [
        "Verification → Verified",
        "Crew assignment → Crew assigned",
        "Crew dispatched → En route",
        "Crew arrival → On site",
        "Partial restoration",
        "Restoration → Restored",
        "Close-out → Closed",
    ]
    flat = re.sub(r"\s+", " ", timeline)
    positions = [flat.index(step) for step in steps]
    assert positions == sorted(positions)
    for code in RAW_CODES:
        assert not re.search(rf"\b{code}\b", text), code


def test_restored_outage_detail_says_it_waits_to_be_closed(
    client: Client, operator: User, viewer: User, small_network: Network
) -> None:
    device = Device.objects.filter(kind="fuse").select_related("feeder").first()
    restored = restore_in_steps(
        device, by=operator, customers=100, steps=[(40, 30), (90, 70)], started_ago=timedelta(hours=3)
    )
    # Worked out from the steps: 30 customers back after 40 min, the other 70 after 90.
    assert (restored.duration_minutes, restored.customer_minutes) == (90, 30 * 40 + 70 * 90)
    client.force_login(viewer)
    html = client.get(f"/outages/{restored.outage.pk}/").content.decode()
    assert '<span class="badge badge-restored">Restored, to close</span>' in html
    assert "<dt>Duration</dt><dd>1 h 30 min</dd>" in html and "<dt>Customer-minutes</dt><dd>7,500</dd>" in html
    assert "<dt>Closed</dt>" not in html


def test_active_outage_detail_counts_its_duration_so_far(client: Client, viewer: User, small_network: Network) -> None:
    device = Device.objects.filter(kind="fuse").select_related("feeder").first()
    outage = Outage.objects.create(
        state="en_route", source="switching", cause="planned", feeder=device.feeder, device=device,
        started_at=timezone.now() - timedelta(minutes=75, seconds=10), customers_affected=9,
    )  # fmt: skip
    client.force_login(viewer)
    html = client.get(f"/outages/{outage.pk}/").content.decode()
    assert "<dt>Duration</dt><dd>1 h 15 min so far</dd>" in html and "Customer-minutes" not in html
    assert (
        "<dt>Source</dt><dd>Switching operation</dd>" in html and "<dt>Cause</dt><dd>Planned / switching</dd>" in html
    )


def test_every_action_has_a_timeline_label() -> None:
    assert set(TRANSITIONS) <= set(OutageEvent.Action.values)
    for action in OutageEvent.Action:
        assert action.label != action.value and "_" not in action.label


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (None, "—"),
        (0, "0 min"),
        (45, "45 min"),
        (60, "1 h"),
        (89.6, "1 h 30 min"),
        (135, "2 h 15 min"),
        (1505, "25 h 5 min"),
    ],
)
def test_minutes_format(value: float | None, shown: str) -> None:
    template = engines["django"].from_string("{% load grid_format %}{{ value|minutes }}")
    assert template.render({"value": value}) == shown
