"""Writing the generated outage history (closed outages with their restoration steps)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from fluxops.progress import ProgressCallback
from grid import network_cache
from grid.constants import CUSTOMER_CLASSES, PROTECTIVE_KINDS, SERVICE_AREA, TRANSFORMER_AREA, area_key
from grid.engine.history_generator import Target, generate_history
from grid.engine.reliability import Interruption
from grid.models import Device, Feeder, Outage, OutageArea, OutageEvent, RestorationStep, ServicePoint, local_day
from grid.services.errors import ServiceError
from grid.services.reliability import outage_areas_record

BATCH = 5_000


def history_targets() -> dict[str, list[Target]]:
    """Everything that can be out, with customers and areas under the network's normal configuration."""
    topology = network_cache.current_topology()
    arrays = topology.arrays
    normal = topology.energize(arrays.device_normally_open.copy())
    targets: dict[str, list[Target]] = defaultdict(list)
    for index, kind in enumerate(arrays.device_kinds):
        if kind not in PROTECTIVE_KINDS or arrays.device_segment[index] < 0:
            continue
        segment = int(arrays.device_segment[index])
        below = normal.downstream(segment)
        if below.customer_total == 0:
            continue
        targets[kind].append(
            Target(
                kind=kind,
                feeder=int(arrays.segment_feeder[segment]),
                customers=below.customer_total,
                device=int(arrays.device_ids[index]),
                areas=topology.areas(below.nodes),
                by_class=below.customers,
            )
        )
    per_transformer: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(CUSTOMER_CLASSES, 0))
    feeder_of: dict[int, int] = {}
    for pk, transformer, feeder, customer_class, customers in ServicePoint.objects.order_by("pk").values_list(
        "pk", "transformer_id", "transformer__feeder_id", "customer_class", "customers"
    ):
        per_transformer[transformer][customer_class] += customers
        feeder_of[transformer] = feeder
        targets["service"].append(
            Target(
                kind="service",
                feeder=feeder,
                customers=customers,
                service_point=pk,
                areas={area_key(SERVICE_AREA, pk): customers},
                by_class={customer_class: customers},
            )
        )
    for transformer, by_class in sorted(per_transformer.items()):
        total = sum(by_class.values())
        targets["transformer"].append(
            Target(
                kind="transformer",
                feeder=feeder_of[transformer],
                customers=total,
                transformer=transformer,
                areas={area_key(TRANSFORMER_AREA, transformer): total},
                by_class=by_class,
            )
        )
    return targets


@transaction.atomic
def history_seed(
    *,
    years: int,
    seed: int,
    reset: bool = False,
    progress: ProgressCallback | None = None,
    until: datetime | None = None,
) -> int:
    """Generate `years` full years plus the current year to date of closed outages; returns the count."""
    if not 1 <= years <= 20:
        raise ServiceError("years must be between 1 and 20.")
    if seed < 0:
        raise ServiceError("seed must be 0 or more.")
    history = Outage.objects.filter(source=Outage.Source.HISTORY)
    if history.exists():
        if not reset:
            raise ServiceError("An outage history exists; pass --reset to replace it.")
        history_clear()
    if not Device.objects.exists():
        raise ServiceError("The network is empty; seed it first (manage.py seed_grid).")
    tz = ZoneInfo(settings.TIME_ZONE)
    now = until or timezone.now()
    today = now.astimezone(tz).date()
    first = date(today.year - years, 1, 1)
    report = progress or (lambda phase, done, total: None)
    total_days = (today - first).days + 1
    outages: list[Outage] = []
    steps: list[list[tuple[datetime, int]]] = []
    last_day = None
    done_days = 0
    for item in generate_history(
        targets=history_targets(), feeders=Feeder.objects.count(), first=first, last=today, tz=tz, seed=seed
    ):
        day = item.started_at.astimezone(tz).date()
        if day != last_day:
            done_days = (day - first).days
            if done_days % 30 == 0:
                report("history", done_days, total_days)
            last_day = day
        at_steps = [(item.started_at + timedelta(minutes=minutes), customers) for minutes, customers in item.steps]
        record = Interruption.from_steps(item.started_at, at_steps)
        restored_at = item.started_at + record.duration
        if restored_at > now:
            continue
        target = item.target
        outages.append(
            Outage(
                state=Outage.State.CLOSED,
                source=Outage.Source.HISTORY,
                cause=item.cause,
                feeder_id=target.feeder,
                device_id=target.device,
                transformer_id=target.transformer,
                service_point_id=target.service_point,
                started_at=item.started_at,
                start_day=local_day(item.started_at),
                restored_at=restored_at,
                closed_at=restored_at + timedelta(minutes=30),
                customers_affected=target.customers,
                customers_by_class=target.by_class or {},
                areas=target.areas or {},
                customer_minutes=record.customer_minutes,
                duration_minutes=record.duration.total_seconds() / 60,
            )
        )
        steps.append(at_steps)
    report("history", total_days, total_days)
    report("writing", 0, len(outages))
    for start in range(0, len(outages), BATCH):
        chunk = outages[start : start + BATCH]
        Outage.objects.bulk_create(chunk)
        outage_areas_record(outages=chunk)
        RestorationStep.objects.bulk_create(
            [
                RestorationStep(outage=outage, at=at, customers_restored=customers, note="history")
                for outage, outage_steps in zip(chunk, steps[start : start + BATCH], strict=True)
                for at, customers in outage_steps
            ]
        )
        report("writing", start + len(chunk), len(outages))
    return len(outages)


def history_clear() -> None:
    """Delete the generated history (live outages stay)."""
    ids = Outage.objects.filter(source=Outage.Source.HISTORY).values("pk")
    RestorationStep.objects.filter(outage__in=ids).delete()
    OutageArea.objects.filter(outage__in=ids).delete()
    OutageEvent.objects.filter(outage__in=ids).delete()
    with connection.cursor() as cursor:
        # Steps, events and areas are gone and generated outages have no work orders: one statement is enough.
        cursor.execute(
            f"DELETE FROM {connection.ops.quote_name(Outage._meta.db_table)} WHERE source = %s",
            [Outage.Source.HISTORY],
        )
