"""Reads behind the reliability indices: interruption records, customers served, MED days.

Restored and closed outages of every source (history, AMI, switching, manual) are the records,
so an outage restored today moves the year-to-date figures. Active outages count once restored.

The sums behind the indices are SQL aggregates (an index covers them): sustained interruptions,
customers and customer-minutes per feeder from the outages, distinct customers and CEMI_n from the
areas of sustained interruptions (`OutageArea`). Only momentary operations are read as rows, to
group them into events. `grid.engine.reliability` holds the definitions; the tests check the two agree."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.db.models import Count, Max, Q, QuerySet, Sum

from grid import network_cache
from grid.constants import DEVICE_AREA, SERVICE_AREA, TRANSFORMER_AREA, area_key
from grid.engine.reliability import (
    CEMI_N,
    MED_YEARS,
    SUSTAINED_MINUTES,
    Indices,
    Interruption,
    Totals,
    indices_from_totals,
    med_days,
    med_threshold,
    momentary_figures,
)
from grid.models import Feeder, Outage, OutageArea, ServicePoint, Substation

RECORD_STATES = (Outage.State.RESTORED, Outage.State.CLOSED)


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
        # Real minutes: local midnights subtract as wall-clock times, an hour off across a DST change.
        return (self.end.astimezone(UTC) - self.start.astimezone(UTC)).total_seconds() / 60

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
    structure, _ = network_cache.current_version()
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


DistinctCounts = dict[str, int]


def distinct_customer_counts(
    period: Period, *, days: set[date], feeder_ids: list[int] | None = None, per_feeder: bool = False
) -> dict[int | None, tuple[DistinctCounts, DistinctCounts]]:
    """CN and the customers with more than n sustained interruptions, over all days and excluding `days`.

    Keys "cn" and "more_<n>"; per feeder id, or under None for the whole scope (an area hit under
    two feeders counts once in the scope, once in each feeder). Per area its hits and largest
    customers count; then, as `grid.engine.reliability.distinct_customers` defines it, a service
    point's area adds its customers only where its transformer's area (`within`) was never hit, and
    its hits add to that area's. Two levels of grouping and a self-join, so the outer part is SQL.
    """
    areas = OutageArea.objects.filter(start_day__gte=period.first, start_day__lte=period.last)
    if feeder_ids is not None:
        areas = areas.filter(feeder_id__in=feeder_ids)
    normal = _not_on(days)
    per_area = (
        areas.values(*(("feeder_id",) if per_feeder else ()), "area", "within")
        .annotate(
            hits=Count("area"),
            area_customers=Max("customers"),
            normal_hits=Count("area", filter=normal),
            normal_customers=Max("customers", filter=normal),
        )
        .order_by()
    )
    inner, params = per_area.query.sql_with_params()
    q = connection.ops.quote_name
    feeder = q("feeder_id")
    same_group = f" AND o.{feeder} = i.{feeder}" if per_feeder else ""
    group = f"i.{feeder}" if per_feeder else "NULL"
    outer_group = f"o.{feeder}" if per_feeder else "NULL"
    hits, customers, area, within = q("hits"), q("area_customers"), q("area"), q("within")
    n_hits, n_customers = q("normal_hits"), q("normal_customers")
    keys = ["cn", *(f"more_{n}" for n in CEMI_N)]

    def outer_terms(h: str, c: str, inside: str) -> list[str]:
        # An area no other lies in, or one that holds service points: its customers, less the ones
        # hit on their own for the counts of repeat hits (those are counted with their own hits).
        rest = f"(o.{c} - COALESCE(s.{inside}, 0))"
        return [f"o.{c}", *(f"CASE WHEN o.{h} > {n:d} THEN {rest} END" for n in CEMI_N)]

    def inner_terms(h: str, c: str, outer_h: str) -> list[str]:
        return [
            f"CASE WHEN COALESCE(o.{outer_h}, 0) = 0 THEN i.{c} END",
            *(f"CASE WHEN i.{h} + COALESCE(o.{outer_h}, 0) > {n:d} THEN i.{c} END" for n in CEMI_N),
        ]

    names = [f"v{k}" for k in range(2 * len(keys))]
    outer = outer_terms(hits, customers, "inside") + outer_terms(n_hits, n_customers, "normal_inside")
    inside = inner_terms(hits, customers, hits) + inner_terms(n_hits, n_customers, n_hits)

    def select(terms: list[str]) -> str:
        return ", ".join(f"{term} AS {name}" for term, name in zip(terms, names, strict=True))

    inside_sums = f"SELECT {group + ' AS g, ' if per_feeder else ''}i.{within} AS outer_area, "
    inside_sums += f"SUM(i.{customers}) AS inside, SUM(i.{n_customers}) AS normal_inside "
    inside_sums += f"FROM per_area i WHERE i.{within} <> '' GROUP BY {group + ', ' if per_feeder else ''}i.{within}"
    s_join = f"s.outer_area = o.{area}" + (f" AND s.g = o.{feeder}" if per_feeder else "")
    sql = (
        f"WITH per_area AS ({inner}), inside_sums AS ({inside_sums}) "
        f"SELECT {'g' if per_feeder else 'NULL'}, {', '.join(f'SUM({name})' for name in names)} FROM ("
        f"SELECT {outer_group} AS g, {select(outer)} FROM per_area o "
        f"LEFT JOIN inside_sums s ON {s_join} WHERE o.{within} = '' "
        f"UNION ALL "
        f"SELECT {group} AS g, {select(inside)} FROM per_area i "
        f"LEFT JOIN per_area o ON o.{area} = i.{within} AND o.{within} = ''{same_group} WHERE i.{within} <> ''"
        f") terms{' GROUP BY g' if per_feeder else ''}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return {
        row[0]: (
            # int(): PostgreSQL sums bigints to numeric.
            dict(zip(keys, (int(value or 0) for value in row[1 : 1 + len(keys)]), strict=True)),
            dict(zip(keys, (int(value or 0) for value in row[1 + len(keys) :]), strict=True)),
        )
        for row in rows
    }


def location_key(device: int | None, transformer: int | None, service_point: int | None) -> str:
    """What interrupted: the operations of one device within 5 minutes are one momentary event."""
    if device:
        return area_key(DEVICE_AREA, device)
    if transformer:
        return area_key(TRANSFORMER_AREA, transformer)
    return area_key(SERVICE_AREA, service_point or 0)


def momentary_operations(period: Period, *, feeder_ids: list[int] | None = None) -> list[tuple[date, Interruption]]:
    """Momentary interruptions (5 minutes or less) with their start day, to be grouped into events."""
    rows = (
        _records(period, feeder_ids)
        .filter(duration_minutes__lte=SUSTAINED_MINUTES)
        .values_list(
            "start_day", "started_at", "customers_affected", "duration_minutes", "feeder_id", "device_id",
            "transformer_id", "service_point_id",
        )
        .order_by()
    )  # fmt: skip
    operations: list[tuple[date, Interruption]] = []
    for day, started, customers, duration, feeder, device, transformer, point in rows:
        # Every stored outage has its start day, and the duration filter leaves no null duration.
        assert day is not None and duration is not None
        operations.append(
            (
                day,
                Interruption(
                    started_at=started,
                    customers=customers,
                    customer_minutes=0.0,
                    duration=timedelta(minutes=duration),
                    device=location_key(device, transformer, point),
                    feeder=feeder,
                ),
            )
        )
    return operations


ZERO_COUNTS: DistinctCounts = {"cn": 0, **{f"more_{n}": 0 for n in CEMI_N}}


def _totals(sums: Sums, distinct: DistinctCounts, momentary: list[Interruption]) -> Totals:
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


def _both(
    period: Period,
    *,
    served: int,
    sums: tuple[Sums, Sums],
    distinct: tuple[DistinctCounts, DistinctCounts],
    momentary: list[tuple[date, Interruption]],
    days: set[date],
) -> tuple[Indices, Indices]:
    """Indices on all days and excluding MED days."""
    all_days = _totals(sums[0], distinct[0], [operation for _, operation in momentary])
    normal = _totals(sums[1], distinct[1], [operation for day, operation in momentary if day not in days])
    return (
        indices_from_totals(all_days, customers_served=served, period_minutes=period.minutes),
        indices_from_totals(normal, customers_served=served, period_minutes=period.minutes),
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
    momentary: list[tuple[date, Interruption]],
) -> Report:
    """The scope's report from its feeders' sums, its areas and its momentary operations."""
    sums = (
        sum((pair[0] for pair in by_feeder.values()), Sums()),
        sum((pair[1] for pair in by_feeder.values()), Sums()),
    )
    distinct = distinct_customer_counts(period, days=days, feeder_ids=feeder_ids)[None]
    all_days, excluding_med = _both(period, served=served, sums=sums, distinct=distinct, momentary=momentary, days=days)
    return Report(
        period=period,
        scope=scope,
        customers_served=served,
        all_days=all_days,
        excluding_med=excluding_med,
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
    return _report(
        period,
        scope=scope,
        served=served,
        days=days,
        thresholds=thresholds,
        by_feeder=sustained_sums_by_feeder(period, days=days, feeder_ids=feeder_ids),
        feeder_ids=feeder_ids,
        momentary=momentary_operations(period, feeder_ids=feeder_ids),
    )


@dataclass(frozen=True)
class FeederFigures:
    """One feeder's indices for a period, on all days and excluding MED days."""

    feeder: Feeder
    all_days: Indices
    excluding_med: Indices

    @property
    def customers_served(self) -> int:
        return self.all_days.customers_served

    @property
    def saifi(self) -> float:
        return self.excluding_med.saifi

    @property
    def saidi(self) -> float:
        return self.excluding_med.saidi

    @property
    def caidi(self) -> float:
        return self.excluding_med.caidi

    @property
    def saidi_all_days(self) -> float:
        return self.all_days.saidi


@dataclass(frozen=True)
class Overview:
    """System report and every feeder's indices for one period."""

    system: Report
    feeders: list[FeederFigures]


def reliability_overview(period: Period) -> Overview:
    """System and per-feeder indices (with and without MEDs), worst feeder SAIDI (without MEDs) first.

    One grouped query gives every feeder's sums and the system's; one more every feeder's CN and
    CEMI_n; the momentary operations are read once and split by feeder.
    """
    served_by_feeder = customers_by_feeder()
    system_served = sum(served_by_feeder.values())
    days, thresholds = major_event_days(period, served=system_served)
    by_feeder = sustained_sums_by_feeder(period, days=days)
    distinct_by_feeder = distinct_customer_counts(period, days=days, per_feeder=True)
    momentary = momentary_operations(period)
    momentary_by_feeder: dict[int | None, list[tuple[date, Interruption]]] = defaultdict(list)
    for day, operation in momentary:
        momentary_by_feeder[operation.feeder].append((day, operation))
    feeders = Feeder.objects.in_bulk(list(served_by_feeder))
    figures = []
    for feeder_id, served in served_by_feeder.items():
        if feeder_id not in feeders or not served:
            continue
        all_days, excluding_med = _both(
            period,
            served=served,
            sums=by_feeder.get(feeder_id, (Sums(), Sums())),
            distinct=distinct_by_feeder.get(feeder_id, (ZERO_COUNTS, ZERO_COUNTS)),
            momentary=momentary_by_feeder.get(feeder_id, []),
            days=days,
        )
        figures.append(FeederFigures(feeder=feeders[feeder_id], all_days=all_days, excluding_med=excluding_med))
    figures.sort(key=lambda f: (-f.saidi, f.feeder.code))
    system = _report(
        period,
        scope="system",
        served=system_served,
        days=days,
        thresholds=thresholds,
        by_feeder=by_feeder,
        feeder_ids=None,
        momentary=momentary,
    )
    return Overview(system=system, feeders=figures)
