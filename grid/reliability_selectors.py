"""Reads behind the reliability indices: interruption records, customers served, MED days.

Restored and closed outages of every source (history, AMI, switching, manual) are the records,
so an outage restored today moves the year-to-date figures. Active outages count once restored.

The sums behind the indices are SQL aggregates (an index covers them): sustained interruptions,
customers and customer-minutes per feeder from the outages, distinct customers and CEMI_n from the
areas of sustained interruptions (`OutageArea`). Only momentary operations are read as rows, to
group them into events. `grid.reliability` holds the definitions; the tests check the two agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Max, Q, QuerySet, Sum

from grid import network_state
from grid.models import Feeder, Outage, OutageArea, RestorationStep, ServicePoint, Substation
from grid.reliability import (
    MED_YEARS,
    SUSTAINED_AFTER,
    Indices,
    Interruption,
    Totals,
    indices_from_totals,
    med_days,
    med_threshold,
    momentary_figures,
)

RECORD_STATES = (Outage.State.RESTORED, Outage.State.CLOSED)
SUSTAINED_MINUTES = SUSTAINED_AFTER.total_seconds() / 60
CEMI_N = (1, 2, 3)
# Customers served per feeder, keyed by the network's structure version (the only cache: the sums
# are read fresh, so a restored outage shows at once in every process).
_served_cache: dict[int, dict[int, int]] = {}


def local_tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


@dataclass(frozen=True)
class Period:
    """A half-open range of local days [first, last + 1 day)."""

    first: date
    last: date
    label: str

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(0), tzinfo=local_tz())

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), time(0), tzinfo=local_tz())

    @property
    def minutes(self) -> float:
        return (self.end - self.start).total_seconds() / 60

    def same_period_last_year(self) -> Period:
        def back(day: date) -> date:
            try:
                return day.replace(year=day.year - 1)
            except ValueError:  # 29 February
                return day.replace(year=day.year - 1, day=28)

        return Period(back(self.first), back(self.last), f"{self.label} last year")


def period_for(
    kind: str, *, today: date, year: int | None = None, first: date | None = None, last: date | None = None
) -> Period:
    """Year to date, last 12 months, a calendar year or a custom range (validated)."""
    if kind == "ytd":
        return Period(date(today.year, 1, 1), today, f"{today.year} to date")
    if kind == "last12":
        return Period(today - timedelta(days=364), today, "last 12 months")
    if kind == "year":
        if year is None or not 1990 <= year <= today.year:
            raise ValueError(f"year must be between 1990 and {today.year}")
        return Period(date(year, 1, 1), min(date(year, 12, 31), today), str(year))
    if kind == "custom":
        if first is None or last is None:
            raise ValueError("a custom period needs start and end dates")
        if first > last:
            raise ValueError("start must not be after end")
        if (last - first).days > 366 * 10:
            raise ValueError("a custom period may span at most ten years")
        return Period(first, last, f"{first} to {last}")
    raise ValueError("period must be ytd, last12, year or custom")


def customers_by_feeder() -> dict[int, int]:
    """Customers served per feeder id (cached per network structure version)."""
    structure, _ = network_state.current_version()
    if structure not in _served_cache:
        _served_cache.clear()
        _served_cache[structure] = dict(
            ServicePoint.objects.values_list("transformer__feeder_id").annotate(total=Sum("customers")).order_by()
        )
    return _served_cache[structure]


def customers_served(*, feeder_ids: list[int] | None = None) -> int:
    """Customers behind every meter (of the given feeders)."""
    by_feeder = customers_by_feeder()
    if feeder_ids is None:
        return sum(by_feeder.values())
    return sum(by_feeder.get(pk, 0) for pk in feeder_ids)


def clear_caches() -> None:
    """Forget the cached customers served (tests, benchmarks)."""
    _served_cache.clear()


def daily_customer_minutes(first: date, last: date) -> dict[date, float]:
    """System customer-minutes of sustained interruptions per local start day."""
    rows = (
        Outage.objects.filter(
            state__in=RECORD_STATES, start_day__gte=first, start_day__lte=last, duration_minutes__gt=SUSTAINED_MINUTES
        )
        .values_list("start_day")
        .annotate(total=Sum("customer_minutes"))
        .order_by()
    )
    return dict(rows)


def med_threshold_for(year: int, *, served: int) -> float | None:
    """T_MED for `year`, from the daily SAIDI of the five years before it (fewer if that is all there is)."""
    daily = daily_customer_minutes(date(year - MED_YEARS, 1, 1), date(year - 1, 12, 31))
    return med_threshold([total / served for total in daily.values()]) if served else None


def major_event_days(period: Period, *, served: int) -> tuple[set[date], dict[int, float | None]]:
    """MED days inside `period` and the threshold used for each year it touches."""
    daily = daily_customer_minutes(period.first, period.last)
    days: set[date] = set()
    thresholds: dict[int, float | None] = {}
    for year in range(period.first.year, period.last.year + 1):
        thresholds[year] = med_threshold_for(year, served=served)
        in_year = {day: total / served for day, total in daily.items() if day.year == year}
        days |= med_days(in_year, thresholds[year])
    return days, thresholds


@dataclass(frozen=True)
class Report:
    """Indices for one scope and period, with and without major event days."""

    period: Period
    scope: str
    customers_served: int
    all_days: Indices
    excluding_med: Indices
    med_days: list[date]
    thresholds: dict[int, float | None]

    @property
    def cemi_rows(self) -> list[tuple[int, float, float]]:
        """(n, CEMI_n on all days, CEMI_n excluding MED days)."""
        return [(n, value, self.excluding_med.cemi[n]) for n, value in self.all_days.cemi.items()]


@dataclass(frozen=True)
class Sums:
    """Sustained interruptions, their customers and customer-minutes."""

    interruptions: int = 0
    customers: int = 0
    customer_minutes: float = 0.0

    def __add__(self, other: Sums) -> Sums:
        return Sums(
            self.interruptions + other.interruptions,
            self.customers + other.customers,
            self.customer_minutes + other.customer_minutes,
        )


def _records(period: Period, feeder_ids: list[int] | None) -> QuerySet[Outage]:
    records = Outage.objects.filter(
        state__in=RECORD_STATES,
        start_day__gte=period.first,
        start_day__lte=period.last,
        duration_minutes__isnull=False,
    )
    return records if feeder_ids is None else records.filter(feeder_id__in=feeder_ids)


def _not_on(days: set[date]) -> Q | None:
    """Filter for rows outside the MED days (None: no MED days, nothing to leave out)."""
    return ~Q(start_day__in=sorted(days)) if days else None


def sustained_sums_by_feeder(
    period: Period, *, days: set[date], feeder_ids: list[int] | None = None
) -> dict[int, tuple[Sums, Sums]]:
    """Per feeder id: sums over all days and excluding `days`, in one grouped query."""
    normal = _not_on(days)
    rows = (
        _records(period, feeder_ids)
        .filter(duration_minutes__gt=SUSTAINED_MINUTES)
        .values_list("feeder_id")
        .annotate(
            n=Count("start_day"),
            customers=Sum("customers_affected"),
            minutes=Sum("customer_minutes"),
            normal_n=Count("start_day", filter=normal),
            normal_customers=Sum("customers_affected", filter=normal),
            normal_minutes=Sum("customer_minutes", filter=normal),
        )
        .order_by()
    )
    return {
        feeder: (Sums(n, customers, minutes), Sums(normal_n, normal_customers or 0, normal_minutes or 0.0))
        for feeder, n, customers, minutes, normal_n, normal_customers, normal_minutes in rows
    }


def distinct_customer_counts(
    period: Period, *, days: set[date], feeder_ids: list[int] | None = None
) -> tuple[dict[str, int], dict[str, int]]:
    """CN and the customers with more than n sustained interruptions, over all days and excluding `days`.

    Keys "cn" and "more_<n>"; per area its hits and largest customers count, summed in SQL.
    """
    areas = OutageArea.objects.filter(start_day__gte=period.first, start_day__lte=period.last)
    if feeder_ids is not None:
        areas = areas.filter(feeder_id__in=feeder_ids)
    normal = _not_on(days)
    per_area = (
        areas.values("area")
        .annotate(
            hits=Count("area"),
            area_customers=Max("customers"),
            normal_hits=Count("area", filter=normal),
            normal_customers=Max("customers", filter=normal),
        )
        .order_by()
    )
    sums = per_area.aggregate(
        cn=Sum("area_customers"),
        normal_cn=Sum("normal_customers"),
        **{f"more_{n}": Sum("area_customers", filter=Q(hits__gt=n)) for n in CEMI_N},
        **{f"normal_more_{n}": Sum("normal_customers", filter=Q(normal_hits__gt=n)) for n in CEMI_N},
    )
    keys = ["cn", *(f"more_{n}" for n in CEMI_N)]
    return {key: sums[key] or 0 for key in keys}, {key: sums[f"normal_{key}"] or 0 for key in keys}


def location_key(device: int | None, transformer: int | None, service_point: int | None) -> str:
    """What interrupted: the operations of one device within 5 minutes are one momentary event."""
    return f"d{device}" if device else f"t{transformer}" if transformer else f"s{service_point}"


def momentary_operations(period: Period, *, feeder_ids: list[int] | None = None) -> list[tuple[date, Interruption]]:
    """Momentary interruptions (5 minutes or less) with their start day, to be grouped into events."""
    rows = (
        _records(period, feeder_ids)
        .filter(duration_minutes__lte=SUSTAINED_MINUTES)
        .values_list(
            "start_day", "started_at", "customers_affected", "duration_minutes", "device_id", "transformer_id",
            "service_point_id",
        )
        .order_by()
    )  # fmt: skip
    return [
        (
            day,
            Interruption(
                started_at=started,
                customers=customers,
                customer_minutes=0.0,
                duration=timedelta(minutes=duration),
                device=location_key(device, transformer, point),
            ),
        )
        for day, started, customers, duration, device, transformer, point in rows
    ]


def _totals(sums: Sums, distinct: dict[str, int], momentary: list[Interruption]) -> Totals:
    events, event_customers = momentary_figures(momentary)
    return Totals(
        sustained_interruptions=sums.interruptions,
        customers_interrupted=sums.customers,
        customer_minutes=sums.customer_minutes,
        distinct_customers_interrupted=distinct["cn"],
        customers_interrupted_more_than={n: distinct[f"more_{n}"] for n in CEMI_N},
        momentary_events=events,
        momentary_customers=event_customers,
    )


def _report(
    period: Period,
    *,
    scope: str,
    served: int,
    days: set[date],
    thresholds: dict[int, float | None],
    by_feeder: dict[int, tuple[Sums, Sums]],
    feeder_ids: list[int] | None,
) -> Report:
    """Indices with and without MED days from the per-feeder sums and the scope's areas and momentaries."""
    all_sums = sum((pair[0] for pair in by_feeder.values()), Sums())
    normal_sums = sum((pair[1] for pair in by_feeder.values()), Sums())
    distinct, normal_distinct = distinct_customer_counts(period, days=days, feeder_ids=feeder_ids)
    momentary = momentary_operations(period, feeder_ids=feeder_ids)
    all_momentary = [operation for _, operation in momentary]
    normal_momentary = [operation for day, operation in momentary if day not in days]
    return Report(
        period=period,
        scope=scope,
        customers_served=served,
        all_days=indices_from_totals(
            _totals(all_sums, distinct, all_momentary), customers_served=served, period_minutes=period.minutes
        ),
        excluding_med=indices_from_totals(
            _totals(normal_sums, normal_distinct, normal_momentary),
            customers_served=served,
            period_minutes=period.minutes,
        ),
        med_days=sorted(days),
        thresholds=thresholds,
    )


def reliability_report(period: Period, *, feeder: Feeder | None = None, substation: Substation | None = None) -> Report:
    """System, substation or feeder indices for a period; MED days are always the system's."""
    system_served = customers_served()
    days, thresholds = major_event_days(period, served=system_served)
    if feeder is not None:
        feeder_ids, scope = [feeder.pk], feeder.code
    elif substation is not None:
        feeder_ids, scope = list(substation.feeders.values_list("pk", flat=True)), substation.code
    else:
        feeder_ids, scope = None, "system"
    served = customers_served(feeder_ids=feeder_ids) if feeder_ids is not None else system_served
    by_feeder = sustained_sums_by_feeder(period, days=days, feeder_ids=feeder_ids)
    return _report(
        period,
        scope=scope,
        served=served,
        days=days,
        thresholds=thresholds,
        by_feeder=by_feeder,
        feeder_ids=feeder_ids,
    )


@dataclass(frozen=True)
class FeederFigures:
    """One feeder's headline indices for a period (excluding MED days, and SAIDI with them)."""

    feeder: Feeder
    customers_served: int
    sustained_interruptions: int
    customers_interrupted: int
    customer_minutes_all_days: float
    saifi: float
    saidi: float
    caidi: float
    saidi_all_days: float


@dataclass(frozen=True)
class Overview:
    """System report and every feeder's figures for one period."""

    system: Report
    feeders: list[FeederFigures]


def reliability_overview(period: Period) -> Overview:
    """System indices (with and without MEDs) and per-feeder figures, worst feeder SAIDI (without MEDs) first.

    The per-feeder sums of one grouped query give both the feeders' figures and the system's.
    """
    served_by_feeder = customers_by_feeder()
    system_served = sum(served_by_feeder.values())
    days, thresholds = major_event_days(period, served=system_served)
    by_feeder = sustained_sums_by_feeder(period, days=days)
    feeders = Feeder.objects.in_bulk(list(served_by_feeder))
    figures = []
    for feeder_id, served in served_by_feeder.items():
        if feeder_id not in feeders or not served:
            continue
        all_days, normal = by_feeder.get(feeder_id, (Sums(), Sums()))
        saifi, saidi = normal.customers / served, normal.customer_minutes / served
        figures.append(
            FeederFigures(
                feeder=feeders[feeder_id],
                customers_served=served,
                sustained_interruptions=normal.interruptions,
                customers_interrupted=normal.customers,
                customer_minutes_all_days=all_days.customer_minutes,
                saifi=saifi,
                saidi=saidi,
                caidi=saidi / saifi if saifi else 0.0,
                saidi_all_days=all_days.customer_minutes / served,
            )
        )
    figures.sort(key=lambda f: (-f.saidi, f.feeder.code))
    system = _report(
        period,
        scope="system",
        served=system_served,
        days=days,
        thresholds=thresholds,
        by_feeder=by_feeder,
        feeder_ids=None,
    )
    return Overview(system=system, feeders=figures)


def daily_saidi_with_meds(period: Period) -> tuple[list[tuple[date, float, bool]], dict[int, float | None]]:
    """(day, SAIDI, is MED) for every day of `period` (zero days included) and the thresholds."""
    served = customers_served()
    if not served:
        return [], {}
    days, thresholds = major_event_days(period, served=served)
    daily = daily_customer_minutes(period.first, period.last)
    series = []
    day = period.first
    while day <= period.last:
        series.append((day, daily.get(day, 0.0) / served, day in days))
        day += timedelta(days=1)
    return series, thresholds


def active_outage_figures(*, today_start: datetime) -> dict[str, int]:
    """Active outages, customers out now, customers restored today."""
    active = Outage.objects.filter(state__in=Outage.ACTIVE_STATES)
    affected = active.aggregate(total=Sum("customers_affected"))["total"] or 0
    restored_of_active = (
        RestorationStep.objects.filter(outage__state__in=Outage.ACTIVE_STATES).aggregate(
            total=Sum("customers_restored")
        )["total"]
        or 0
    )
    restored_today = (
        RestorationStep.objects.filter(at__gte=today_start).aggregate(total=Sum("customers_restored"))["total"] or 0
    )
    return {
        "active_outages": active.count(),
        "customers_out": affected - restored_of_active,
        "customers_restored_today": restored_today,
    }
