"""IEEE 1366 indices: the worked check, boundaries, steps, CEMI_n, MED threshold."""

from __future__ import annotations

import math
import random
import statistics
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from grid.engine.reliability import Interruption, daily_saidi, indices, med_days, med_threshold, momentary_events

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
YEAR_MINUTES = 365 * 24 * 60
HOUSTON = ZoneInfo("America/Chicago")


def outage(minutes: float, customers: int, area: str, start: datetime = T0, device: str = "FU-1") -> Interruption:
    return Interruption.from_steps(
        start, ((start + timedelta(minutes=minutes), customers),), device=device, areas={area: customers}
    )


def test_worked_check() -> None:
    result = indices(
        [outage(90, 200, "a"), outage(30, 50, "b"), outage(120, 200, "a")],
        customers_served=1000,
        period_minutes=YEAR_MINUTES,
    )
    assert result.saifi == pytest.approx(0.45)
    assert result.saidi == pytest.approx(43.5)
    assert result.caidi == pytest.approx(96.667, abs=5e-4)
    assert result.caifi == pytest.approx(1.8)
    assert result.ctaidi == pytest.approx(174.0)
    assert result.asai == pytest.approx(0.9999172374, abs=1e-10)
    assert result.distinct_customers_interrupted == 250


def test_five_minutes_exactly_is_momentary() -> None:
    five, longer = outage(5, 100, "a"), outage(5 + 1 / 60, 100, "b")
    assert not five.sustained and longer.sustained
    result = indices([five, longer], customers_served=1000, period_minutes=YEAR_MINUTES)
    assert result.saifi == pytest.approx(0.1) and result.momentary_events == 1


def test_reclosing_operations_within_five_minutes_are_one_event() -> None:
    shots = [outage(0.5, 300, "r", T0 + timedelta(minutes=m), device="RC-1") for m in (0, 1, 4.9, 5.5, 30)]
    shots.append(outage(0.5, 300, "r", T0, device="RC-2"))
    events = momentary_events(shots)
    assert sorted(len(e) for e in events) == [1, 1, 1, 3]
    result = indices(shots, customers_served=1000, period_minutes=YEAR_MINUTES)
    assert result.maifi_e == pytest.approx(4 * 300 / 1000) and result.saifi == 0


def test_step_restoration_counts_each_step_for_its_own_duration() -> None:
    stepped = Interruption.from_steps(
        T0, ((T0 + timedelta(minutes=30), 60), (T0 + timedelta(minutes=90), 40)), areas={"a": 100}
    )
    assert stepped.customer_minutes == 60 * 30 + 40 * 90
    result = indices([stepped], customers_served=1000, period_minutes=YEAR_MINUTES)
    assert result.saidi == pytest.approx(5.4) and result.saifi == pytest.approx(0.1)
    assert result.caidi == pytest.approx(54.0)


def test_cemi_counts_customers_with_more_than_n_interruptions() -> None:
    records = [outage(60, 10, "a"), outage(60, 10, "a"), outage(60, 10, "a"), outage(60, 20, "b"), outage(60, 20, "b")]
    records.append(outage(3, 50, "c"))  # momentary: never counted in CEMI
    result = indices(records, customers_served=200, period_minutes=YEAR_MINUTES, cemi_n=(1, 2, 3))
    assert result.cemi == {1: pytest.approx(30 / 200), 2: pytest.approx(10 / 200), 3: 0.0}


def test_interruption_crossing_midnight_belongs_to_its_start_day() -> None:
    late = datetime(2025, 6, 1, 23, 50, tzinfo=HOUSTON)
    record = outage(120, 100, "a", start=late)
    assert daily_saidi([record], customers_served=1000, tz=HOUSTON) == {date(2025, 6, 1): pytest.approx(12.0)}


def test_med_threshold_uses_the_sample_standard_deviation_and_drops_zero_days() -> None:
    series = [0.0, 0.5, 1.0, 2.0, 4.0, 0.0, 8.0]
    logs = [math.log(v) for v in series if v > 0]
    expected = math.exp(statistics.fmean(logs) + 2.5 * statistics.stdev(logs))
    assert med_threshold(series) == pytest.approx(expected)
    # Population standard deviation would give a different (lower) threshold.
    assert med_threshold(series) > math.exp(statistics.fmean(logs) + 2.5 * statistics.pstdev(logs))
    assert med_threshold([0.0, 3.0]) is None
    days = {date(2025, 1, d): v for d, v in enumerate([1.0, 2.0, 200.0], start=1)}
    assert med_days(days, 50.0) == {date(2025, 1, 3)}


def test_no_interruptions_give_perfect_availability() -> None:
    result = indices([], customers_served=1000, period_minutes=YEAR_MINUTES)
    assert (result.saifi, result.saidi, result.caidi, result.asai) == (0.0, 0.0, 0.0, 1.0)


CHICAGO = ZoneInfo("America/Chicago")
# (start, restored) in local wall-clock time around both changes of 2026, and the real minutes between.
DST_CASES = [
    # Spring forward, 8 March: 01:30 CST is 07:30 UTC, 03:30 CDT is 08:30 UTC.
    (datetime(2026, 3, 8, 1, 30), datetime(2026, 3, 8, 3, 30), 60),
    # Fall back, 1 November: 00:30 CDT is 05:30 UTC, 01:30 CST (the second 01:30) is 07:30 UTC.
    (datetime(2026, 11, 1, 0, 30), datetime(2026, 11, 1, 1, 30, fold=1), 120),
    (datetime(2026, 11, 1, 1, 30), datetime(2026, 11, 1, 1, 30, fold=1), 60),
]


def _naive_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=None) + timedelta(hours=5 if moment.dst() else 6)


@pytest.mark.parametrize(("start", "restored", "minutes"), DST_CASES)
def test_durations_across_daylight_saving_changes_are_real_minutes(
    start: datetime, restored: datetime, minutes: int
) -> None:
    start, restored = start.replace(tzinfo=CHICAGO), restored.replace(tzinfo=CHICAGO)
    # The expectation from UTC offsets written out by hand, not from the code under test.
    utc_start = start.replace(tzinfo=None) - (
        timedelta(hours=-6) if start.dst() == timedelta(0) else timedelta(hours=-5)
    )
    utc_end = restored.replace(tzinfo=None) - (
        timedelta(hours=-6) if restored.dst() == timedelta(0) else timedelta(hours=-5)
    )
    assert (utc_end - utc_start) == timedelta(minutes=minutes)
    record = Interruption.from_steps(start, [(restored, 10)])
    assert record.duration == timedelta(minutes=minutes)
    assert record.customer_minutes == pytest.approx(10 * minutes)
    # Half the customers back halfway (in real time) count half the minutes.
    half = (start.astimezone(UTC) + timedelta(minutes=minutes / 2)).astimezone(CHICAGO)
    stepped = Interruption.from_steps(start, [(half, 5), (restored, 5)])
    assert stepped.customer_minutes == pytest.approx(5 * minutes / 2 + 5 * minutes)


@pytest.mark.parametrize("seed", range(40))
def test_a_customer_hit_through_two_kinds_of_area_is_one_distinct_customer(seed: int) -> None:
    """CN and CEMI_n against a count per customer: transformers hit whole and service points alone."""
    rng = random.Random(seed)
    # Transformers 0..5 with 1-4 service points of 1-3 customers each; customers named individually.
    points = {}  # service point -> (transformer, customer names)
    for transformer in range(6):
        for _ in range(rng.randint(1, 4)):
            point = len(points)
            points[point] = (transformer, [f"c{point}-{k}" for k in range(rng.randint(1, 3))])
    by_transformer: dict[int, list[str]] = {}
    for transformer, names in points.values():
        by_transformer.setdefault(transformer, []).extend(names)
    records, hits_per_customer = [], {name: 0 for _, names in points.values() for name in names}
    for _ in range(rng.randint(1, 12)):
        if rng.random() < 0.5:
            transformer = rng.randrange(6)
            areas = {f"t{transformer}": len(by_transformer[transformer])}
            hit = by_transformer[transformer]
        else:
            point = rng.randrange(len(points))
            areas = {f"s{point}": len(points[point][1])}
            hit = points[point][1]
        for name in hit:
            hits_per_customer[name] += 1
        records.append(
            Interruption(
                started_at=datetime(2026, 6, 1, tzinfo=UTC),
                customers=len(hit),
                customer_minutes=60.0 * len(hit),
                duration=timedelta(hours=1),
                areas=areas,
            )
        )
    within = {f"s{point}": f"t{transformer}" for point, (transformer, _) in points.items()}
    result = indices(records, customers_served=100, period_minutes=YEAR_MINUTES, within=within)
    assert result.distinct_customers_interrupted == sum(1 for n in hits_per_customer.values() if n > 0)
    for n in (1, 2, 3):
        assert result.cemi[n] == pytest.approx(sum(1 for h in hits_per_customer.values() if h > n) / 100)


@pytest.mark.django_db
def test_the_migration_names_the_transformer_of_recorded_service_point_areas(small_network) -> None:
    """Areas recorded before `within` existed get it from the network rows (0008's backfill)."""
    from importlib import import_module

    from django.apps import apps

    from grid.models import Outage, OutageArea, ServicePoint

    backfill = import_module("grid.migrations.0008_outage_area_within").backfill_within
    point = ServicePoint.objects.order_by("pk")[5]
    outage = Outage.objects.create(
        state="closed",
        source="history",
        feeder=point.transformer.feeder,
        transformer=point.transformer,
        started_at=datetime(2026, 5, 1, tzinfo=UTC),
    )
    OutageArea.objects.create(
        outage=outage, feeder=outage.feeder, start_day=date(2026, 5, 1), area=f"s{point.pk}", customers=1
    )
    OutageArea.objects.create(outage=outage, feeder=outage.feeder, start_day=date(2026, 5, 1), area="t3", customers=4)
    backfill(apps, None)
    assert dict(OutageArea.objects.filter(outage=outage).values_list("area", "within")) == {
        f"s{point.pk}": f"t{point.transformer_id}",
        "t3": "",
    }
