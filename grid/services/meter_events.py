"""Meter event ingest (idempotent, late and out-of-order safe) and the outage prediction it drives."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from django.db import transaction
from django.utils import timezone

from grid import network_cache
from grid.constants import SERVICE_AREA, TRANSFORMER_AREA, area_key
from grid.engine.meter_events import ParsedEvent, RowError
from grid.engine.prediction import Prediction, Thresholds, roll_up
from grid.engine.topology import Energization
from grid.models import Device, MeterEvent, Outage, OutageEvent, ServicePoint, Transformer, local_day
from grid.selectors.meter_events import open_reports
from grid.selectors.outages import customers_restored_total, outage_area, outage_location_node
from grid.services.outages import default_etr, outage_add_step, outage_bump

BATCH_LIMIT = 50_000


@dataclass
class IngestResult:
    """What an ingest did: rows stored, duplicates skipped, rows rejected, outages touched."""

    stored: int = 0
    duplicates: int = 0
    errors: list[RowError] = field(default_factory=list)
    outages: list[int] = field(default_factory=list)


@transaction.atomic
def meter_events_ingest(
    *, events: list[ParsedEvent], errors: list[RowError] | None = None, predict: bool = True
) -> IngestResult:
    """Store valid events once each (same meter, type, timestamp -> one row), then re-run prediction."""
    result = IngestResult(errors=list(errors or []))
    if len(events) > BATCH_LIMIT:
        result.errors.append(RowError(0, f"batch too large: at most {BATCH_LIMIT:,} events per call"))
        return result
    meters = dict(
        ServicePoint.objects.filter(meter_id__in={event.meter_id for event in events}).values_list("meter_id", "pk")
    )
    rows: dict[tuple[int, str, datetime], ParsedEvent] = {}
    for event in events:
        meter = meters.get(event.meter_id)
        if meter is None:
            result.errors.append(RowError(event.line, f"unknown meter {event.meter_id}"))
            continue
        key = (meter, event.kind, event.occurred_at)
        if key in rows:
            result.duplicates += 1
        rows[key] = event
    existing = set(
        MeterEvent.objects.filter(
            service_point_id__in={key[0] for key in rows}, occurred_at__in={key[2] for key in rows}
        ).values_list("service_point_id", "kind", "occurred_at")
    )
    new = [key for key in rows if key not in existing]
    result.duplicates += len(rows) - len(new)
    MeterEvent.objects.bulk_create(
        [MeterEvent(service_point_id=meter, kind=kind, occurred_at=at) for meter, kind, at in new],
        ignore_conflicts=True,
        batch_size=5_000,
    )
    result.stored = len(new)
    if predict and new:
        result.outages = outages_predict()
    return result


@transaction.atomic
def outages_predict(*, thresholds: Thresholds | None = None) -> list[int]:
    """Roll open reports up to probable outages and reconcile them with predicted outages.

    New evidence creates an outage, or escalates a predicted one to the higher device that now
    explains it (merging predictions it absorbs); power-on messages shrink a prediction to the
    device still explained, with a restoration step for the customers back, or restore it.
    Verified outages are the operators' and are left alone.
    """
    thresholds = thresholds or Thresholds()
    topology = network_cache.current_topology()
    live = network_cache.current_energization()
    reports = open_reports()
    meter_node = {
        meter: topology.arrays.node_index(node_id)
        for meter, node_id in ServicePoint.objects.filter(pk__in=list(reports)).values_list(
            "pk", "transformer__node_id"
        )
    }
    # Reports inside a verified (or crew-assigned ...) outage are explained by it: operators own it, and
    # rolling them up again would predict its customers a second time, or lift an unrelated fault's
    # prediction to a device above both.
    explained = np.zeros(topology.arrays.node_count, dtype=bool)
    for held in (
        Outage.objects.active()
        .exclude(state=Outage.State.PREDICTED)
        .select_related("device", "transformer", "service_point__transformer")
    ):
        covered = outage_area(held, live)
        if covered is not None:
            explained[covered.nodes] = True
    meter_node = {meter: node for meter, node in meter_node.items() if not explained[node]}
    predictions = roll_up(live, meter_node, thresholds)
    predicted = list(
        Outage.objects.select_for_update(of=("self",))
        .filter(state=Outage.State.PREDICTED, source=Outage.Source.AMI)
        .select_related("device", "transformer", "service_point__transformer")
    )
    touched: list[int] = []
    claimed: set[int] = set()
    for prediction in sorted(predictions, key=lambda p: -len(p.meters)):
        area = _prediction_area(prediction, live)
        inside = [o for o in predicted if o.pk not in claimed and outage_location_node(o, live) in area]
        started = min(reports[m] for m in prediction.meters)
        outage = _apply_prediction(prediction, inside, started_at=started, live=live)
        claimed.update(o.pk for o in inside)
        claimed.add(outage.pk)
        touched.append(outage.pk)
    now = timezone.now()
    for outage in predicted:
        if outage.pk not in claimed:
            remaining = outage.customers_affected - customers_restored_total(outage)
            if remaining > 0:
                outage_add_step(outage=outage, customers=remaining, at=now, by=None, note="power-on reported")
            touched.append(outage.pk)
    return touched


def _prediction_area(prediction: Prediction, live: Energization) -> set[int]:
    """Node indexes a prediction covers: below its device, or its transformer node."""
    if prediction.level == "device":
        segment = int(live.topology.arrays.device_segment[prediction.device])
        return set(live.downstream(segment).nodes.tolist())
    assert prediction.node is not None  # transformer and service predictions sit at a node
    return {prediction.node}


def _location(prediction: Prediction, live: Energization) -> dict[str, object]:
    """Outage fields for where a prediction puts the outage, with the customers it affects."""
    topology = live.topology
    if prediction.level == "device":
        device = Device.objects.get(pk=int(topology.arrays.device_ids[prediction.device]))
        below = live.downstream(int(topology.arrays.device_segment[prediction.device]))
        return {
            "device": device,
            "transformer": None,
            "service_point": None,
            "feeder_id": device.feeder_id,
            "customers_affected": below.customer_total,
            "customers_by_class": below.customers,
            "meters_affected": below.meters,
            "areas": topology.areas(below.nodes),
            "kind": device.kind,
        }
    node_id = int(topology.arrays.node_ids[prediction.node])
    if prediction.level == "transformer":
        transformer = Transformer.objects.filter(node_id=node_id).order_by("pk").first()
        assert transformer is not None  # a transformer prediction sits at a transformer's node
        points = list(transformer.service_points.values_list("customer_class", "customers"))
        fields: dict[str, object] = {"transformer": transformer, "service_point": None, "kind": "transformer"}
        area = area_key(TRANSFORMER_AREA, transformer.pk)
        feeder_id = transformer.feeder_id
    else:
        point = ServicePoint.objects.select_related("transformer").get(pk=prediction.meters[0])
        points = [(point.customer_class, point.customers)]
        fields = {"transformer": None, "service_point": point, "kind": "service"}
        area = area_key(SERVICE_AREA, point.pk)
        feeder_id = point.transformer.feeder_id
    by_class: dict[str, int] = defaultdict(int)
    for customer_class, customers in points:
        by_class[customer_class] += customers
    return {
        **fields,
        "device": None,
        "feeder_id": feeder_id,
        "customers_affected": sum(by_class.values()),
        "customers_by_class": dict(by_class),
        "meters_affected": len(points),
        "areas": {area: sum(by_class.values())},
    }


def _apply_prediction(
    prediction: Prediction, inside: list[Outage], *, started_at: datetime, live: Energization
) -> Outage:
    """Create, keep, escalate/shrink and merge predicted outages so one outage matches the prediction."""
    location = _location(prediction, live)
    kind = location.pop("kind")
    now = timezone.now()
    label = location["device"] or location["transformer"] or location["service_point"]
    keep = min(inside, key=lambda o: (o.started_at, o.pk)) if inside else None
    if keep is None:
        outage = Outage.objects.create(
            state=Outage.State.PREDICTED,
            source=Outage.Source.AMI,
            started_at=started_at,
            etr=default_etr(kind=str(kind), started_at=started_at),
            **location,
        )
        OutageEvent.objects.create(
            outage=outage,
            at=now,
            action=OutageEvent.Action.PREDICTED,
            to_state=outage.state,
            note=f"{len(prediction.meters)} meters reporting; probable location {label}",
        )
        return outage
    same = (keep.device_id, keep.transformer_id, keep.service_point_id) == (
        getattr(location["device"], "pk", None),
        getattr(location["transformer"], "pk", None),
        getattr(location["service_point"], "pk", None),
    )
    if not same:
        previous = keep.location_label
        first = min(keep.started_at, started_at)
        Outage.objects.filter(pk=keep.pk).update(**location, started_at=first, start_day=local_day(first))
        keep.refresh_from_db()
        OutageEvent.objects.create(
            outage=keep,
            at=now,
            action=OutageEvent.Action.RELOCATED,
            note=f"{previous} -> {label}: {len(prediction.meters)} meters reporting",
        )
    for other in inside:
        if other.pk == keep.pk:
            continue
        outage_bump(outage=other, state=Outage.State.CANCELLED)
        OutageEvent.objects.create(
            outage=other,
            at=now,
            action=OutageEvent.Action.MERGED,
            from_state=Outage.State.PREDICTED,
            to_state=Outage.State.CANCELLED,
            note=f"merged into {keep} at {label}",
        )
    return keep
