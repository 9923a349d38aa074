"""Meter event ingest and outage prediction from last gasps."""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from grid import network_cache
from grid.engine.meter_events import ParsedEvent, parse_csv, parse_jsonl
from grid.engine.prediction import roll_up
from grid.engine.simulation import fault_trials, locates
from grid.engine.synthetic import Network, meters_by_node, topology_arrays
from grid.engine.topology import Topology
from grid.models import Device, MeterEvent, Outage, ServicePoint
from grid.selectors.meter_events import open_reports
from grid.services.meter_events import meter_events_ingest
from grid.services.outages import outage_transition
from tests.grid.test_topology import build

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def fresh_cache():
    network_cache.clear_cache()
    yield
    network_cache.clear_cache()


def test_jsonl_and_csv_report_bad_rows_with_line_numbers() -> None:
    text = "\n".join(
        [
            '{"meter_id": "M00000001", "type": "power_off", "timestamp": "2026-11-01T12:00:00Z"}',
            "{not json",
            '{"meter_id": "M00000002", "type": "flicker", "timestamp": "2026-11-01T12:00:00Z"}',
            "",
            '{"meter_id": "M00000003", "type": "power_on", "timestamp": "2026-11-01T12:00:00"}',
            '{"meter_id": "M00000004", "timestamp": "2026-11-01T12:00:00Z"}',
        ]
    )
    events, errors = parse_jsonl(text)
    assert [e.meter_id for e in events] == ["M00000001"]
    assert [(e.line, e.message.split(":")[0].split(" ")[0]) for e in errors] == [
        (2, "invalid"),
        (3, "type"),
        (5, "timestamp"),
        (6, "missing"),
    ]
    events, errors = parse_csv("meter_id,type,timestamp\nm00000001,power_on,2026-11-01T12:05:00+00:00\nx,y,z\n")
    assert events[0].meter_id == "M00000001" and events[0].line == 2
    assert errors[0].line == 3
    assert parse_csv("meter,kind\n")[1][0].message == "header lacks meter_id, timestamp, type"


def _events(meters: list[str], kind: str, at: datetime) -> list[ParsedEvent]:
    return [ParsedEvent(i, m, kind, at) for i, m in enumerate(meters)]


def test_ingest_is_idempotent_and_reports_unknown_meters(small_network: Network) -> None:
    meters = list(ServicePoint.objects.order_by("pk").values_list("meter_id", flat=True)[:3])
    batch = _events([*meters, "M99999999"], "power_off", T0)
    first = meter_events_ingest(events=batch, predict=False)
    assert (first.stored, first.duplicates, len(first.errors)) == (3, 0, 1)
    assert first.errors[0].message == "unknown meter M99999999"
    again = meter_events_ingest(events=batch + batch[:1], predict=False)
    assert (again.stored, again.duplicates) == (0, 4)
    assert MeterEvent.objects.count() == 3


def test_late_out_of_order_messages_keep_the_latest_state(small_network: Network) -> None:
    meter = ServicePoint.objects.order_by("pk").first()
    meter_events_ingest(events=_events([meter.meter_id], "power_on", T0 + timedelta(minutes=5)), predict=False)
    meter_events_ingest(events=_events([meter.meter_id], "power_off", T0), predict=False)
    assert meter.pk not in open_reports()
    meter_events_ingest(events=_events([meter.meter_id], "power_off", T0 + timedelta(minutes=9)), predict=False)
    assert open_reports() == {meter.pk: T0 + timedelta(minutes=9)}


def _simulate(device: Device, kind: str = "power_off", seed: int = 1, loss: float = 0.2) -> None:
    call_command(
        "simulate_fault", "--device", device.code, "--seed", str(seed), "--loss", str(loss),
        *(["--restore"] if kind == "power_on" else []), stdout=StringIO(),
    )  # fmt: skip


def test_fuse_fault_is_predicted_at_the_fuse_and_power_on_restores_it(small_network: Network) -> None:
    fuse = Device.objects.filter(kind="fuse").order_by("pk")[3]
    _simulate(fuse)
    outage = Outage.objects.get(state="predicted")
    assert outage.device == fuse and outage.source == "ami"
    assert outage.customers_affected > 0 and outage.etr > outage.started_at
    _simulate(fuse, kind="power_on")
    outage.refresh_from_db()
    assert outage.state == "restored"
    assert sum(s.customers_restored for s in outage.steps.all()) == outage.customers_affected


def test_new_evidence_escalates_to_the_recloser(small_network: Network) -> None:
    recloser = Device.objects.filter(kind="recloser").order_by("pk").first()
    topology = network_cache.current_topology()
    live = network_cache.current_energization()
    below = live.downstream(int(topology.arrays.device_segment[topology.device_index[recloser.pk]]))
    segment_ids = set(topology.arrays.segment_ids[below.segments].tolist())
    fuse = Device.objects.filter(kind="fuse", segment_id__in=segment_ids).order_by("pk").first()
    _simulate(fuse)
    assert Outage.objects.get(state="predicted").device == fuse
    _simulate(recloser, seed=2)
    active = Outage.objects.filter(state="predicted")
    assert [o.device for o in active] == [recloser]
    assert "relocated" in active[0].events.values_list("action", flat=True)


def test_roll_up_accuracy_over_200_simulated_faults(small_network_rows: Network) -> None:
    topology = Topology(topology_arrays(small_network_rows))
    live = topology.energize(topology.arrays.device_normally_open.copy())
    hits, slowest = 0, 0.0
    trials = fault_trials(live, meters_by_node(small_network_rows), faults=200, at=T0, rng=random.Random(2026))
    for trial in trials:
        started = time.perf_counter()
        predictions = roll_up(live, trial.reports)
        slowest = max(slowest, time.perf_counter() - started)
        hits += locates(predictions, trial)
    assert hits / 200 >= 0.95, hits
    assert slowest < 1.0


def test_single_meter_is_a_service_outage(small_network: Network) -> None:
    meter = ServicePoint.objects.order_by("pk")[40]
    result = meter_events_ingest(events=_events([meter.meter_id], "power_off", T0))
    outage = Outage.objects.get(pk=result.outages[0])
    assert outage.service_point == meter and outage.customers_affected == meter.customers


def test_ingest_command_keeps_valid_rows(small_network: Network, tmp_path) -> None:
    meters = list(ServicePoint.objects.order_by("pk").values_list("meter_id", flat=True)[:2])
    path = tmp_path / "events.jsonl"
    path.write_text(
        f'{{"meter_id": "{meters[0]}", "type": "power_off", "timestamp": "2026-11-01T12:00:00Z"}}\n'
        "garbage\n"
        f'{{"meter_id": "{meters[1]}", "type": "power_off", "timestamp": "2026-11-01T12:00:01Z"}}\n'
    )
    out, err = StringIO(), StringIO()
    call_command("ingest_meter_events", str(path), stdout=out, stderr=err)
    assert "stored 2, duplicates 0, rejected 1" in out.getvalue()
    assert "line 2: invalid JSON" in err.getvalue()
    with pytest.raises(CommandError, match="No such file"):
        call_command("ingest_meter_events", str(tmp_path / "missing.csv"))
    with pytest.raises(CommandError, match="Unknown device"):
        call_command("simulate_fault", "--device", "FU-99999")
    with pytest.raises(CommandError, match="invalid share value"):
        call_command("simulate_fault", "--device", "FU-00001", "--loss", "1.5")


def test_a_verified_outage_is_never_predicted_again(small_network: Network, operator: User) -> None:
    """Its reports stay explained by it: a later, unrelated fault is predicted on its own."""
    fuses = list(Device.objects.filter(kind="fuse").order_by("pk"))
    first, second = fuses[3], fuses[-4]
    _simulate(first)
    verified = Outage.objects.get(state="predicted")
    assert verified.device == first
    outage_transition(outage_id=verified.pk, version=verified.version, action="verify", by=operator)
    _simulate(second, seed=5)
    predicted = list(Outage.objects.filter(state="predicted"))
    assert [o.device for o in predicted] == [second]
    assert list(Outage.objects.filter(state="verified")) == [verified]
    # Customers out: each fuse's own customers once, as the network says (independent of the roll-up).
    live = network_cache.current_energization()
    topology = live.topology
    expected = sum(
        live.downstream(int(topology.arrays.device_segment[topology.device_index[fuse.pk]])).customer_total
        for fuse in (first, second)
    )
    assert sum(Outage.objects.active().values_list("customers_affected", flat=True)) == expected


def _recloser_with_a_big_lateral() -> Topology:
    """Bus 0, breaker 0-1, recloser 1-2, trunk 2-3-4 with a transformer on 3 and 4, and a fused
    lateral 2-10-...-17 with a transformer on each of its 8 nodes: the fuse holds 8 of the 10 locations."""
    segments = [(0, 1, 1), (1, 2, 1), (2, 3, 1), (3, 4, 1), (2, 10, 1)]
    segments += [(n, n + 1, 1) for n in range(10, 17)]
    devices = [("BK", "breaker", 0, False), ("RC", "recloser", 1, False), ("FU", "fuse", 4, False)]
    customers = {n: (1, 0, 0) for n in (3, 4, *range(10, 18))}
    return build(18, [0], segments, devices, customers)


@pytest.mark.parametrize("lost", [(), (11,), (12, 15)])
def test_evidence_inside_a_child_zone_never_lifts_it_to_the_parent(lost: tuple[int, ...]) -> None:
    topology = _recloser_with_a_big_lateral()
    live = topology.energize(topology.arrays.device_normally_open.copy())
    fuse, recloser = topology.arrays.device_codes.index("FU"), topology.arrays.device_codes.index("RC")
    # One meter per transformer node (meter id = node): the fuse lateral is dark, less the lost gasps.
    lateral = {node: node for node in range(10, 18) if node not in lost}
    predictions = roll_up(live, lateral)
    assert [(p.level, p.device) for p in predictions] == [("device", fuse)]
    # The whole recloser zone reporting (a recloser lockout) still climbs to the recloser.
    zone = {**lateral, 3: 3, 4: 4}
    assert [(p.level, p.device) for p in roll_up(live, zone)] == [("device", recloser)]
