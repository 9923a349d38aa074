"""Outage lifecycle: the state machine, restoration steps and ETR.

Every write names the outage version it read; a stale version raises `Conflict` and changes
nothing (optimistic locking), so two operators never overwrite each other silently."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from fluxops.roles import OPERATOR, has_role
from grid import network_cache
from grid.constants import DEFAULT_ETR, FALLBACK_ETR
from grid.engine.reliability import Interruption
from grid.models import Crew, MeterEvent, Outage, OutageEvent, RestorationStep
from grid.selectors.outages import customers_restored_total, outage_area
from grid.services.errors import Conflict, ServiceError
from grid.services.reliability import outage_areas_record

State = Outage.State
Action = OutageEvent.Action


@dataclass(frozen=True)
class Transition:
    """An operator action on an outage: the states it may start from and the state it leads to."""

    label: str
    sources: tuple[str, ...]
    target: str


# Keyed by the timeline's action names, so every transition an operator applies has its timeline label.
TRANSITIONS: dict[str, Transition] = {
    Action.VERIFY: Transition("Verify", (State.PREDICTED,), State.VERIFIED),
    Action.ASSIGN_CREW: Transition("Assign crew", (State.VERIFIED,), State.CREW_ASSIGNED),
    Action.DISPATCH: Transition("Crew en route", (State.CREW_ASSIGNED,), State.EN_ROUTE),
    Action.ARRIVE: Transition("Crew on site", (State.EN_ROUTE,), State.ON_SITE),
    Action.RESTORE: Transition(
        "Restore all", (State.VERIFIED, State.CREW_ASSIGNED, State.EN_ROUTE, State.ON_SITE), State.RESTORED
    ),
    Action.CLOSE: Transition("Close", (State.RESTORED,), State.CLOSED),
    Action.CANCEL: Transition("Cancel (no outage)", (State.PREDICTED, State.VERIFIED), State.CANCELLED),
}


CREW_STATUS_FOR: dict[str, Crew.Status] = {
    State.CREW_ASSIGNED: Crew.Status.ASSIGNED,
    State.EN_ROUTE: Crew.Status.EN_ROUTE,
    State.ON_SITE: Crew.Status.ON_SITE,
}


def allowed_actions(outage: Outage) -> list[str]:
    """Actions of the state machine open to an outage in its current state."""
    return [name for name, transition in TRANSITIONS.items() if outage.state in transition.sources]


def default_etr(*, kind: str, started_at: datetime) -> datetime:
    """Estimated restoration for a new outage at a device kind, "transformer" or "service"."""
    return started_at + DEFAULT_ETR.get(kind, FALLBACK_ETR)


def _require_operator(by: User) -> None:
    if not has_role(by, OPERATOR):
        raise PermissionDenied("Only operators and admins may change outages.")


def _lock(outage_id: int, version: int) -> Outage:
    """The outage row, locked, if it still has `version`; else a Conflict naming the change."""
    outage = Outage.objects.select_for_update().filter(pk=outage_id).first()
    if outage is None:
        raise ServiceError(f"Unknown outage {outage_id}.")
    if outage.version != version:
        raise Conflict(
            f"{outage} was changed by someone else since you loaded it (version {version}, now {outage.version}); "
            "reload it and try again."
        )
    return outage


def outage_bump(*, outage: Outage, **fields: object) -> None:
    """Write `fields` and the next version, guarded by the version read: a Conflict when it changed since."""
    updated = Outage.objects.filter(pk=outage.pk, version=outage.version).update(version=F("version") + 1, **fields)
    if not updated:
        raise Conflict(f"{outage} was changed by someone else; reload it and try again.")
    for name, value in fields.items():
        setattr(outage, name, value)
    outage.version += 1


@transaction.atomic
def outage_transition(
    *,
    outage_id: int,
    version: int,
    action: str,
    by: User,
    crew_id: int | None = None,
    cause: str | None = None,
    note: str = "",
    at: datetime | None = None,
) -> Outage:
    """Apply one state-machine action; invalid actions and stale versions change nothing."""
    _require_operator(by)
    if action not in TRANSITIONS:
        raise ServiceError(f"Unknown action {action!r}; choose one of {', '.join(TRANSITIONS)}.")
    outage = _lock(outage_id, version)
    transition = TRANSITIONS[action]
    if outage.state not in transition.sources:
        allowed = ", ".join(allowed_actions(outage)) or "none"
        raise ServiceError(
            f"Cannot {transition.label.lower()} {outage}: it is {outage.get_state_display().lower()} "
            f"(allowed: {allowed})."
        )
    at = at or timezone.now()
    if at < outage.started_at:
        raise ServiceError("The time of an action cannot be before the outage started.")
    fields: dict[str, object] = {"state": transition.target}
    crew = outage.crew
    if action == Action.ASSIGN_CREW:
        crew = Crew.objects.select_for_update().filter(pk=crew_id).first() if crew_id else None
        if crew is None:
            raise ServiceError("Choose a crew to assign.")
        if crew.status != Crew.Status.AVAILABLE:
            raise ServiceError(f"{crew} is {crew.get_status_display().lower()}, not available.")
        fields["crew"] = crew
    if action == Action.CLOSE:
        if cause not in Outage.Cause.values:
            raise ServiceError("Choose a cause code to close the outage.")
        fields["cause"] = cause
        fields["closed_at"] = at
    if action == Action.RESTORE:
        remaining = outage.customers_affected - customers_restored_total(outage)
        if remaining > 0:
            RestorationStep.objects.create(
                outage=outage, at=at, customers_restored=remaining, by=by, note=note or "remaining customers restored"
            )
        fields["restored_at"] = at
    from_state = outage.state
    outage_bump(outage=outage, **fields)
    if crew is not None:
        if transition.target in CREW_STATUS_FOR:
            Crew.objects.filter(pk=crew.pk).update(status=CREW_STATUS_FOR[transition.target])
        elif transition.target in (State.RESTORED, State.CANCELLED):
            Crew.objects.filter(pk=crew.pk).update(status=Crew.Status.AVAILABLE)
    if transition.target == State.RESTORED:
        _finalize(outage)
    if transition.target in (State.RESTORED, State.CANCELLED):
        _resolve_reports(outage)
    OutageEvent.objects.create(
        outage=outage,
        at=at,
        by=by,
        action=action,
        from_state=from_state,
        to_state=transition.target,
        note=note if action != Action.ASSIGN_CREW else f"{crew}. {note}".strip(),
    )
    return outage


@transaction.atomic
def outage_update_etr(*, outage_id: int, version: int, etr: datetime, by: User, note: str = "") -> Outage:
    """Set the estimated restoration time of an active outage."""
    _require_operator(by)
    outage = _lock(outage_id, version)
    if not outage.is_active:
        raise ServiceError(f"{outage} is {outage.get_state_display().lower()}; its ETR can no longer change.")
    if etr <= outage.started_at:
        raise ServiceError("The ETR must be after the outage started.")
    previous = outage.etr
    outage_bump(outage=outage, etr=etr)
    text = f"ETR {previous:%Y-%m-%d %H:%M} -> {etr:%Y-%m-%d %H:%M}" if previous else f"ETR {etr:%Y-%m-%d %H:%M}"
    OutageEvent.objects.create(
        outage=outage, at=timezone.now(), by=by, action=Action.ETR, note=f"{text}. {note}".strip()
    )
    return outage


@transaction.atomic
def outage_record_step(
    *, outage_id: int, version: int, customers: int, by: User, at: datetime | None = None, note: str = ""
) -> Outage:
    """Record a partial restoration; restoring the last customers moves the outage to restored."""
    _require_operator(by)
    outage = _lock(outage_id, version)
    if outage.state not in TRANSITIONS[Action.RESTORE].sources:
        raise ServiceError(f"{outage} is {outage.get_state_display().lower()}; restoration steps need it verified.")
    at = at or timezone.now()
    if at < outage.started_at:
        raise ServiceError("A restoration step cannot be before the outage started.")
    if at > timezone.now() + timedelta(minutes=5):
        raise ServiceError("A restoration step cannot be in the future.")
    remaining = outage.customers_affected - customers_restored_total(outage)
    if not 1 <= customers <= remaining:
        raise ServiceError(f"Customers restored must be between 1 and the {remaining} still out.")
    outage_bump(outage=outage)
    outage_add_step(outage=outage, customers=customers, at=at, by=by, note=note)
    return outage


def outage_add_step(*, outage: Outage, customers: int, at: datetime, by: User | None, note: str) -> None:
    """Add a restoration step (callers hold the row); the last customers restore the outage."""
    RestorationStep.objects.create(outage=outage, at=at, customers_restored=customers, by=by, note=note)
    OutageEvent.objects.create(
        outage=outage, at=at, by=by, action=Action.STEP, note=f"{customers} customers restored. {note}".strip()
    )
    if customers_restored_total(outage) >= outage.customers_affected and outage.is_active:
        from_state = outage.state
        outage_bump(outage=outage, state=State.RESTORED, restored_at=at)
        if outage.crew_id:
            Crew.objects.filter(pk=outage.crew_id).update(status=Crew.Status.AVAILABLE)
        OutageEvent.objects.create(
            outage=outage, at=at, by=by, action=Action.RESTORE, from_state=from_state, to_state=State.RESTORED
        )
        outage.refresh_from_db()
        _finalize(outage)
        _resolve_reports(outage)


def _finalize(outage: Outage) -> None:
    """Exact customer-minutes, duration and the areas hit, from the restoration steps, once supply is back."""
    steps = list(outage.steps.values_list("at", "customers_restored"))
    if not steps:
        return
    record = Interruption.from_steps(outage.started_at, steps)
    minutes, duration = record.customer_minutes, record.duration.total_seconds() / 60
    Outage.objects.filter(pk=outage.pk).update(customer_minutes=minutes, duration_minutes=duration)
    outage.customer_minutes, outage.duration_minutes = minutes, duration
    outage_areas_record(outages=[outage])


def _resolve_reports(outage: Outage) -> None:
    """Last gasps explained by a restored or cancelled outage stop rolling up."""
    area = outage_area(outage, network_cache.current_energization())
    if area is not None:
        meter_events_resolve(nodes=area.nodes)


def meter_events_resolve(*, nodes: np.ndarray) -> int:
    """Open meter events on these node indexes stop rolling up (supply is back there); returns how many."""
    topology = network_cache.current_topology()
    inside = np.zeros(topology.arrays.node_count, dtype=bool)
    inside[nodes] = True
    pending = MeterEvent.objects.filter(resolved=False).values_list("pk", "service_point__transformer__node_id")
    resolved = [pk for pk, node_id in pending if inside[topology.arrays.node_index(node_id)]]
    return MeterEvent.objects.filter(pk__in=resolved).update(resolved=True)
