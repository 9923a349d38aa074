"""The analytics panels: validated parameters -> named queries -> figures, shared by the pages and the API."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from analytics import queries
from analytics.warehouse import WarehouseEmpty
from grid.models import Feeder

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

MAX_DAYS = 31
DEFAULT_DAYS = 7


@dataclass(frozen=True)
class Period:
    """The days [start, end) a panel covers."""

    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days


def resolve_period(start: dt.date | None, days: int, status: queries.DataStatus) -> Period:
    """`days` days from `start`, or the last `days` days the warehouse holds."""
    if start is None:
        if status.last_day is None:
            raise WarehouseEmpty()
        end = status.last_day + dt.timedelta(days=1)
        return Period(end - dt.timedelta(days=days), end)
    return Period(start, start + dt.timedelta(days=days))


@dataclass(frozen=True)
class PanelFigures:
    """A panel's figures besides its rows; each panel fills its own (the others keep their defaults)."""

    feeder: str | None = None
    peak_hour: dt.datetime | None = None
    peak_kw: float | None = None
    over_100: int = 0
    over_120: int = 0
    meters: list[queries.MeterVoltage] = field(default_factory=list)
    day: dt.date | None = None
    week_before: dt.date | None = None
    peak_mw: float | None = None


@dataclass
class Outcome:
    """A panel's figures, or pending=True while its query still runs in the background."""

    pending: bool = False
    period: Period | None = None
    # The rows of the panel's query, as that query's row type.
    rows: list[Any] = field(default_factory=list)
    extra: PanelFigures = field(default_factory=PanelFigures)


def _run[R: DataclassInstance](spec: queries.Spec[R], wait: float | None) -> list[R] | None:
    return queries.cached(spec, wait=wait)


def feeder_load(*, feeder: Feeder, start: dt.date | None, days: int, wait: float | None = None) -> Outcome:
    """A feeder's hourly load by customer class with its peak hour."""
    period = resolve_period(start, days, queries.data_status())
    rows = _run(queries.feeder_load_profile(feeder_id=feeder.pk, start=period.start, end=period.end), wait)
    if rows is None:
        return Outcome(pending=True, period=period)
    totals: dict[dt.datetime, float] = defaultdict(float)
    for row in rows:
        totals[row.hour] += row.avg_kw
    peak = max(totals.items(), key=lambda item: item[1]) if totals else None
    return Outcome(
        period=period,
        rows=rows,
        extra=PanelFigures(feeder=feeder.code, peak_hour=peak[0] if peak else None, peak_kw=peak[1] if peak else None),
    )


def transformer_loading(
    *, feeder: Feeder | None, start: dt.date | None, days: int, wait: float | None = None
) -> Outcome:
    """Transformers ranked by peak loading, with hours above 100% and 120% of rating."""
    period = resolve_period(start, days, queries.data_status())
    spec = queries.transformer_loading(start=period.start, end=period.end, feeder_id=feeder.pk if feeder else None)
    rows = _run(spec, wait)
    if rows is None:
        return Outcome(pending=True, period=period)
    return Outcome(
        period=period,
        rows=rows,
        extra=PanelFigures(
            over_100=sum(1 for row in rows if row.peak_pct > 100),
            over_120=sum(1 for row in rows if row.peak_pct > 120),
        ),
    )


def voltage_compliance(
    *, feeder: Feeder | None, start: dt.date | None, days: int, wait: float | None = None
) -> Outcome:
    """Range A/B excursions per feeder, and the meters of one feeder with excursions."""
    period = resolve_period(start, days, queries.data_status())
    rows = _run(queries.voltage_compliance_feeders(start=period.start, end=period.end), wait)
    if rows is None:
        return Outcome(pending=True, period=period)
    meters: list[queries.MeterVoltage] = []
    if feeder is not None:
        found = _run(queries.voltage_compliance_meters(feeder_id=feeder.pk, start=period.start, end=period.end), wait)
        if found is None:
            return Outcome(pending=True, period=period)
        meters = found
    return Outcome(period=period, rows=rows, extra=PanelFigures(feeder=feeder.code if feeder else None, meters=meters))


def system_load(*, day: dt.date | None, wait: float | None = None) -> Outcome:
    """System MW by hour for a day (default: the last day held) and the same weekday a week before."""
    status = queries.data_status()
    if day is None:
        if status.last_day is None:
            raise WarehouseEmpty()
        day = status.last_day
    rows = _run(queries.system_load(day=day), wait)
    period = Period(day, day + dt.timedelta(days=1))
    if rows is None:
        return Outcome(pending=True, period=period)
    today = [row.mw_day for row in rows if row.mw_day is not None]
    return Outcome(
        period=period,
        rows=rows,
        extra=PanelFigures(day=day, week_before=day - dt.timedelta(days=7), peak_mw=max(today) if today else None),
    )
