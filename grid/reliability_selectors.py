"""Reads behind the reliability indices: interruption records, customers served, MED days.

Restored and closed outages of every source (history, AMI, switching, manual) are the records,
so an outage restored today moves the year-to-date figures. Active outages count once restored.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Max, Q, Sum

from grid.models import Feeder, Outage, RestorationStep, ServicePoint, Substation
from grid.reliability import MED_YEARS, Indices, Interruption, indices, med_days, med_threshold

RECORD_STATES = (Outage.State.RESTORED, Outage.State.CLOSED)
# Small per-process caches keyed by `records_stamp()`: past days never change unless records do.
_CACHE_LIMIT = 64
_daily_cache: dict[tuple, dict[date, float]] = {}


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


def customers_served(*, feeder_ids: list[int] | None = None) -> int:
    """Customers behind every meter (of the given feeders)."""
    points = ServicePoint.objects.all()
    if feeder_ids is not None:
        points = points.filter(transformer__feeder_id__in=feeder_ids)
    return points.aggregate(total=Sum("customers"))["total"] or 0


def customers_by_feeder() -> dict[int, int]:
    """Customers served per feeder id."""
    return dict(ServicePoint.objects.values_list("transformer__feeder_id").annotate(total=Sum("customers")).order_by())


_records_cache: dict[tuple, list[Interruption]] = {}


def interruptions(
    period: Period, *, feeder_ids: list[int] | None = None, stamp: tuple | None = None
) -> list[Interruption]:
    """Interruption records starting in `period`, in one query, cached per records stamp.

    Customer-minutes and durations were computed from the restoration steps when each outage was
    restored (`Outage.customer_minutes`, `duration_minutes`), so the steps need not be read again.
    """
    stamp = stamp if stamp is not None else records_stamp()
    key = (period.first, period.last, tuple(feeder_ids) if feeder_ids is not None else None, stamp)
    if key in _records_cache:
        return _records_cache[key]
    outages = Outage.objects.filter(
        state__in=RECORD_STATES, started_at__gte=period.start, started_at__lt=period.end, duration_minutes__isnull=False
    )
    if feeder_ids is not None:
        outages = outages.filter(feeder_id__in=feeder_ids)
    records = [
        Interruption(
            started_at=started,
            customers=customers,
            customer_minutes=minutes,
            duration=timedelta(minutes=duration),
            device=f"d{device}" if device else f"t{transformer}" if transformer else f"s{point}",
            feeder=feeder,
            areas=areas,
        )
        for started, customers, minutes, duration, feeder, device, transformer, point, areas in outages.values_list(
            "started_at",
            "customers_affected",
            "customer_minutes",
            "duration_minutes",
            "feeder_id",
            "device_id",
            "transformer_id",
            "service_point_id",
            "areas",
        )
    ]
    if len(_records_cache) >= _CACHE_LIMIT:
        _records_cache.clear()
    _records_cache[key] = records
    return records


def clear_caches() -> None:
    """Forget cached daily sums and records (tests, benchmarks)."""
    _daily_cache.clear()
    _records_cache.clear()


def records_stamp() -> tuple:
    """Changes whenever the interruption records change (new, restored, re-stepped, reset outages)."""
    return tuple(
        Outage.objects.aggregate(
            n=Count("id"),
            top=Max("id"),
            records=Count("id", filter=Q(state__in=RECORD_STATES)),
            # Not a float sum: PostgreSQL's parallel sums differ in the last bits from one run to the next.
            restored=Max("restored_at"),
        ).values()
    )


def daily_customer_minutes(first: date, last: date, *, stamp: tuple | None = None) -> dict[date, float]:
    """System customer-minutes of sustained interruptions per local start day (cached per records stamp)."""
    key = (first, last, stamp if stamp is not None else records_stamp(), settings.TIME_ZONE)
    if key not in _daily_cache:
        if len(_daily_cache) >= _CACHE_LIMIT:
            _daily_cache.clear()
        rows = (
            Outage.objects.filter(
                state__in=RECORD_STATES, start_day__gte=first, start_day__lte=last, duration_minutes__gt=5
            )
            .values_list("start_day")
            .annotate(total=Sum("customer_minutes"))
            .order_by()
        )
        _daily_cache[key] = dict(rows)
    return _daily_cache[key]


def med_threshold_for(year: int, *, served: int, stamp: tuple | None = None) -> float | None:
    """T_MED for `year`, from the daily SAIDI of the five years before it (fewer if that is all there is)."""
    daily = daily_customer_minutes(date(year - MED_YEARS, 1, 1), date(year - 1, 12, 31), stamp=stamp)
    return med_threshold([total / served for total in daily.values()]) if served else None


def major_event_days(
    period: Period, *, served: int, stamp: tuple | None = None
) -> tuple[set[date], dict[int, float | None]]:
    """MED days inside `period` and the threshold used for each year it touches."""
    stamp = stamp if stamp is not None else records_stamp()
    daily = daily_customer_minutes(period.first, period.last, stamp=stamp)
    days: set[date] = set()
    thresholds: dict[int, float | None] = {}
    for year in range(period.first.year, period.last.year + 1):
        thresholds[year] = med_threshold_for(year, served=served, stamp=stamp)
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


def _report(
    period: Period,
    records: list[Interruption],
    *,
    scope: str,
    served: int,
    days: set[date],
    thresholds: dict[int, float | None],
    on_med_day: list[bool] | None = None,
) -> Report:
    if on_med_day is None:
        on_med_day = _on_med_day(records, days)
    normal = [r for r, med in zip(records, on_med_day, strict=True) if not med]
    return Report(
        period=period,
        scope=scope,
        customers_served=served,
        all_days=indices(records, customers_served=served, period_minutes=period.minutes),
        excluding_med=indices(normal, customers_served=served, period_minutes=period.minutes),
        med_days=sorted(days),
        thresholds=thresholds,
    )


def _on_med_day(records: list[Interruption], days: set[date]) -> list[bool]:
    """Per record: did it start on a major event day."""
    tz = local_tz()
    return [r.started_at.astimezone(tz).date() in days for r in records]


def reliability_report(period: Period, *, feeder: Feeder | None = None, substation: Substation | None = None) -> Report:
    """System, substation or feeder indices for a period; MED days are always the system's."""
    stamp = records_stamp()
    system_served = customers_served()
    days, thresholds = major_event_days(period, served=system_served, stamp=stamp)
    if feeder is not None:
        feeder_ids, scope = [feeder.pk], feeder.code
    elif substation is not None:
        feeder_ids, scope = list(substation.feeders.values_list("pk", flat=True)), substation.code
    else:
        feeder_ids, scope = None, "system"
    served = customers_served(feeder_ids=feeder_ids) if feeder_ids is not None else system_served
    records = interruptions(period, feeder_ids=feeder_ids, stamp=stamp)
    return _report(period, records, scope=scope, served=served, days=days, thresholds=thresholds)


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
    """System report and every feeder's figures for one period, from one read of the records."""

    system: Report
    feeders: list[FeederFigures]


def reliability_overview(period: Period) -> Overview:
    """System indices (with and without MEDs) and per-feeder figures, worst feeder SAIDI (without MEDs) first.

    Feeders are summed in one pass over the records rather than one full index computation each.
    """
    stamp = records_stamp()
    served_by_feeder = customers_by_feeder()
    system_served = sum(served_by_feeder.values())
    days, thresholds = major_event_days(period, served=system_served, stamp=stamp)
    records = interruptions(period, stamp=stamp)
    on_med_day = _on_med_day(records, days)
    # feeder -> [customer-minutes on all days, customers, customer-minutes and interruptions excluding MEDs]
    totals: dict[int, list[float]] = defaultdict(lambda: [0.0, 0, 0.0, 0])
    for record, med in zip(records, on_med_day, strict=True):
        if not record.sustained:
            continue
        row = totals[record.feeder]
        row[0] += record.customer_minutes
        if not med:
            row[1] += record.customers
            row[2] += record.customer_minutes
            row[3] += 1
    feeders = Feeder.objects.in_bulk(list(served_by_feeder))
    figures = []
    for feeder_id, served in served_by_feeder.items():
        if feeder_id not in feeders or not served:
            continue
        minutes, ex_customers, ex_minutes, ex_count = totals.get(feeder_id, [0.0, 0, 0.0, 0])
        saifi, saidi = ex_customers / served, ex_minutes / served
        figures.append(
            FeederFigures(
                feeder=feeders[feeder_id],
                customers_served=served,
                sustained_interruptions=int(ex_count),
                customers_interrupted=int(ex_customers),
                customer_minutes_all_days=minutes,
                saifi=saifi,
                saidi=saidi,
                caidi=saidi / saifi if saifi else 0.0,
                saidi_all_days=minutes / served,
            )
        )
    figures.sort(key=lambda f: (-f.saidi, f.feeder.code))
    system = _report(
        period,
        records,
        scope="system",
        served=system_served,
        days=days,
        thresholds=thresholds,
        on_med_day=on_med_day,
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
