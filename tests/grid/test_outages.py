"""Outage lifecycle: state machine, steps, ETR, optimistic locking, crews and work orders."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from grid.engine.synthetic import Network
from grid.models import Crew, Device, Outage, WorkOrder
from grid.services.errors import Conflict, ServiceError
from grid.services.outages import outage_record_step, outage_transition, outage_update_etr
from grid.services.work_orders import work_order_create, work_order_set_status

pytestmark = pytest.mark.usefixtures("fresh_network_cache")


@pytest.fixture
def crew(db) -> Crew:
    return Crew.objects.create(name="Line 99", members=3, depot="Heights depot", depot_lon=-95.4, depot_lat=29.8)


@pytest.fixture
def outage(small_network: Network) -> Outage:
    device = Device.objects.filter(kind="recloser").order_by("pk").first()
    return Outage.objects.create(
        state=Outage.State.PREDICTED,
        source=Outage.Source.AMI,
        feeder=device.feeder,
        device=device,
        started_at=timezone.now() - timedelta(hours=1),
        customers_affected=120,
        customers_by_class={"residential": 110, "commercial": 10, "industrial": 0},
    )


def _act(outage: Outage, action: str, by: User, **kwargs) -> Outage:
    outage.refresh_from_db()
    return outage_transition(outage_id=outage.pk, version=outage.version, action=action, by=by, **kwargs)


def test_the_whole_loop_with_step_restoration(outage: Outage, operator: User, crew: Crew) -> None:
    _act(outage, "verify", operator)
    _act(outage, "assign_crew", operator, crew_id=crew.pk)
    crew.refresh_from_db()
    assert crew.status == "assigned"
    _act(outage, "dispatch", operator)
    _act(outage, "arrive", operator)
    crew.refresh_from_db()
    assert crew.status == "on_site"
    outage.refresh_from_db()
    outage_record_step(outage_id=outage.pk, version=outage.version, customers=70, by=operator, note="back-fed")
    _act(outage, "restore", operator)
    outage.refresh_from_db()
    assert outage.state == "restored" and [s.customers_restored for s in outage.steps.all()] == [70, 50]
    steps = list(outage.steps.all())
    assert outage.customer_minutes == pytest.approx(
        sum(s.customers_restored * (s.at - outage.started_at).total_seconds() / 60 for s in steps)
    )
    assert outage.duration_minutes == pytest.approx((steps[-1].at - outage.started_at).total_seconds() / 60)
    crew.refresh_from_db()
    assert crew.status == "available"
    _act(outage, "close", operator, cause="vegetation")
    outage.refresh_from_db()
    assert (outage.state, outage.cause) == ("closed", "vegetation") and outage.closed_at
    assert list(outage.events.values_list("action", flat=True)) == [
        "verify", "assign_crew", "dispatch", "arrive", "step", "restore", "close",
    ]  # fmt: skip
    assert all(event.by == operator for event in outage.events.all())


def test_last_step_restores_the_outage(outage: Outage, operator: User) -> None:
    _act(outage, "verify", operator)
    outage.refresh_from_db()
    outage_record_step(outage_id=outage.pk, version=outage.version, customers=120, by=operator)
    outage.refresh_from_db()
    assert outage.state == "restored" and outage.restored_at


@pytest.mark.parametrize(
    ("action", "kwargs", "message"),
    [
        ("close", {"cause": "animal"}, "Cannot close"),
        ("dispatch", {}, "Cannot crew en route"),
        ("fly", {}, "Unknown action"),
    ],
)
def test_invalid_transitions_change_nothing(outage: Outage, operator: User, action: str, kwargs: dict, message: str):
    with pytest.raises(ServiceError, match=message):
        _act(outage, action, operator, **kwargs)
    outage.refresh_from_db()
    assert outage.state == "predicted" and outage.version == 1 and not outage.events.exists()


def test_assigning_needs_an_available_crew_and_closing_a_cause(outage: Outage, operator: User, crew: Crew) -> None:
    _act(outage, "verify", operator)
    with pytest.raises(ServiceError, match="Choose a crew"):
        _act(outage, "assign_crew", operator)
    Crew.objects.filter(pk=crew.pk).update(status="off_shift")
    with pytest.raises(ServiceError, match="not available"):
        _act(outage, "assign_crew", operator, crew_id=crew.pk)
    _act(outage, "restore", operator)
    with pytest.raises(ServiceError, match="cause code"):
        _act(outage, "close", operator)


def test_second_writer_gets_a_conflict_and_nothing_is_lost(outage: Outage, operator: User, admin_user: User) -> None:
    seen = outage.version
    outage_transition(outage_id=outage.pk, version=seen, action="verify", by=operator, note="first")
    with pytest.raises(Conflict, match="changed by someone else"):
        outage_transition(outage_id=outage.pk, version=seen, action="cancel", by=admin_user, note="second")
    outage.refresh_from_db()
    assert outage.state == "verified" and outage.version == seen + 1
    assert list(outage.events.values_list("note", flat=True)) == ["first"]


def test_viewers_cannot_change_outages(outage: Outage, viewer: User) -> None:
    with pytest.raises(PermissionDenied):
        _act(outage, "verify", viewer)


def test_etr_and_step_validation(outage: Outage, operator: User) -> None:
    with pytest.raises(ServiceError, match="after the outage started"):
        outage_update_etr(outage_id=outage.pk, version=1, etr=outage.started_at, by=operator)
    new_etr = timezone.now() + timedelta(hours=2)
    outage_update_etr(outage_id=outage.pk, version=1, etr=new_etr, by=operator)
    outage.refresh_from_db()
    assert outage.etr == new_etr and outage.events.get().action == "etr"
    with pytest.raises(ServiceError, match="need it verified"):
        outage_record_step(outage_id=outage.pk, version=outage.version, customers=1, by=operator)
    _act(outage, "verify", operator)
    outage.refresh_from_db()
    with pytest.raises(ServiceError, match="between 1 and the 120"):
        outage_record_step(outage_id=outage.pk, version=outage.version, customers=121, by=operator)


def test_work_orders_follow_their_moves(outage: Outage, operator: User, crew: Crew) -> None:
    order = work_order_create(summary="Replace recloser", by=operator, outage_id=outage.pk, priority=1)
    with pytest.raises(ServiceError, match="cannot become done"):
        work_order_set_status(work_order_id=order.pk, status="done", by=operator)
    with pytest.raises(ServiceError, match="on shift"):
        work_order_set_status(work_order_id=order.pk, status="assigned", by=operator)
    work_order_set_status(work_order_id=order.pk, status="assigned", by=operator, crew_id=crew.pk)
    work_order_set_status(work_order_id=order.pk, status="in_progress", by=operator)
    done = work_order_set_status(work_order_id=order.pk, status="done", by=operator, note="swapped")
    assert done.closed_at and done.crew == crew and "swapped" in done.notes
    with pytest.raises(ServiceError, match="summary"):
        work_order_create(summary=" ", by=operator, outage_id=outage.pk)
    assert WorkOrder.objects.count() == 1
