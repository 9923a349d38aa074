"""Typed functions over the named warehouse queries, with caching by query, parameters and data version.

Every function takes validated Python values (dates, ids from the operational database); identifiers
in SQL never come from a request.
"""

import dataclasses
import datetime as dt
import hashlib
import json
import time
import types
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Union, get_args, get_origin

from django.conf import settings
from django.core.cache import cache

from analytics.warehouse import Result, Ticket, get_warehouse

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

RESULT_TTL = 3600
VERSION_TTL = 10


@dataclass(frozen=True)
class FeederLoadPoint:
    """One feeder's load from one customer class in one hour."""

    hour: dt.datetime
    customer_class: str
    avg_kw: float
    peak_kw: float


@dataclass(frozen=True)
class TransformerLoading:
    """A transformer's peak loading over a period."""

    transformer_id: int
    transformer_code: str
    feeder_code: str
    kva: float
    peak_kva: float
    peak_pct: float
    hours_over_100: int
    hours_over_120: int
    kwh: float


@dataclass(frozen=True)
class FeederVoltage:
    """Voltage compliance of one feeder over a period."""

    feeder_id: int
    feeder_code: str
    meters: int
    meters_out_a: int
    meters_out_b: int
    transformers_out_a: int
    transformers_out_b: int
    readings: int
    readings_out_a: int
    readings_out_b: int
    min_v: float | None


@dataclass(frozen=True)
class MeterVoltage:
    """A meter with readings outside ANSI Range A over a period."""

    meter_code: str
    transformer_code: str
    customer_class: str
    readings: int
    readings_out_a: int
    readings_out_b: int
    min_v: float
    avg_v: float


@dataclass(frozen=True)
class SystemLoadHour:
    """System MW in one hour of the day, for a day and the same weekday a week before."""

    hour_of_day: int
    mw_day: float | None
    mw_week_before: float | None


@dataclass(frozen=True)
class SystemEnergyHour:
    """System energy of one hour computed from the raw readings."""

    hour: dt.datetime
    mwh: float
    min_v: float
    readings: int


@dataclass(frozen=True)
class TransformerPeak:
    """A transformer's peak 15-minute demand over a period."""

    transformer_id: int
    peak_kw: float


@dataclass(frozen=True)
class DataStatus:
    """What the warehouse holds: load and refresh batches and the days covered by the rollups."""

    load_batch: int
    refresh_batch: int
    first_day: dt.date | None
    last_day: dt.date | None

    @property
    def version(self) -> str:
        """Changes whenever data is loaded or the rollups are refreshed."""
        return f"{self.load_batch}.{self.refresh_batch}"


@dataclass(frozen=True)
class Spec[R: DataclassInstance]:
    """A named query with bound parameters and the row type its rows become."""

    name: str
    params: dict[str, object]
    row_type: type[R]

    def key(self, version: str) -> str:
        """Cache key: warehouse, query, parameters and data version."""
        raw = json.dumps([settings.WAREHOUSE_URL, self.name, self.params, version], default=str, sort_keys=True)
        return "analytics:" + hashlib.sha256(raw.encode()).hexdigest()


def _convert(value: Any, kind: Any) -> Any:
    if value is None:
        return None
    if get_origin(kind) in (Union, types.UnionType):
        kind = next(arg for arg in get_args(kind) if arg is not type(None))
    if kind is float:
        return float(value)
    if kind is int:
        return int(value)
    if kind is str:
        return str(value)
    if kind is dt.datetime and isinstance(value, str):
        return dt.datetime.fromisoformat(value)
    if kind is dt.date and isinstance(value, dt.datetime):
        return value.date()
    if kind is dt.date and isinstance(value, str):
        return dt.date.fromisoformat(value)
    if isinstance(value, Decimal):
        return float(value)
    return value


def typed_rows[R: DataclassInstance](result: Result, row_type: type[R]) -> list[R]:
    """Rows of `result` as `row_type` instances, values converted to the declared field types."""
    fields = [(f.name, f.type) for f in dataclasses.fields(row_type)]
    index = {name: result.columns.index(name) for name, _ in fields}
    return [row_type(**{name: _convert(row[index[name]], kind) for name, kind in fields}) for row in result.rows]


def run[R: DataclassInstance](spec: Spec[R], *, timeout: float | None = None) -> list[R]:
    """Run a query now (no cache) and return typed rows."""
    return typed_rows(get_warehouse().query(spec.name, spec.params, timeout=timeout), spec.row_type)


def data_status() -> DataStatus:
    """The warehouse's data version and days covered (cached for a few seconds)."""
    key = f"analytics:status:{settings.WAREHOUSE_URL}"
    status: DataStatus | None = cache.get(key)
    if status is None:
        (status,) = run(Spec("data_status", {}, DataStatus), timeout=settings.WAREHOUSE_CONNECT_TIMEOUT + 5)
        cache.set(key, status, VERSION_TTL)
    return status


def cached[R: DataclassInstance](
    spec: Spec[R], *, wait: float | None = None, sleep: Callable[[float], None] = time.sleep
) -> list[R] | None:
    """Typed rows from the cache, or from a background query waited on for `wait` s; None while it still runs.

    Long queries keep running after the request gives up (Snowflake execute_async, a local thread on
    DuckDB); the next request for the same query, parameters and data version picks up their result.
    """
    version = data_status().version
    key = spec.key(version)
    hit: list[R] | None = cache.get(key)
    if hit is not None:
        return hit
    warehouse = get_warehouse()
    ticket: Ticket | None = cache.get(f"{key}:ticket")
    if ticket is None:
        ticket = warehouse.submit(spec.name, spec.params)
        cache.set(f"{key}:ticket", ticket, settings.WAREHOUSE_LONG_QUERY_TIMEOUT)
    deadline = time.monotonic() + (settings.ANALYTICS_PANEL_WAIT if wait is None else wait)
    pause = 0.02
    while True:
        try:
            result = warehouse.fetch(ticket)
        except Exception:
            cache.delete(f"{key}:ticket")
            raise
        if result is not None:
            rows = typed_rows(result, spec.row_type)
            cache.set(key, rows, RESULT_TTL)
            cache.delete(f"{key}:ticket")
            return rows
        if time.monotonic() >= deadline:
            return None
        sleep(pause)
        pause = min(pause * 2, 0.5)  # each poll is a round trip on Snowflake


# -- the named queries ------------------------------------------------------------------------------
def _start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time())


def feeder_load_profile(*, feeder_id: int, start: dt.date, end: dt.date) -> Spec[FeederLoadPoint]:
    """Hourly load of one feeder by customer class over the days [start, end)."""
    return Spec(
        "feeder_load_profile", {"feeder_id": feeder_id, "start": _start(start), "end": _start(end)}, FeederLoadPoint
    )


def transformer_loading(*, start: dt.date, end: dt.date, feeder_id: int | None = None) -> Spec[TransformerLoading]:
    """Transformers ranked by peak loading over the days [start, end), on one feeder or all."""
    return Spec(
        "transformer_loading", {"feeder_id": feeder_id or 0, "start_day": start, "end_day": end}, TransformerLoading
    )


def transformer_peaks(*, start: dt.date, end: dt.date) -> Spec[TransformerPeak]:
    """Peak kW of every transformer over the days [start, end) (the map's loading colours)."""
    return Spec("transformer_peaks", {"start_day": start, "end_day": end}, TransformerPeak)


def voltage_compliance_feeders(*, start: dt.date, end: dt.date) -> Spec[FeederVoltage]:
    """Range A/B excursions per feeder over the days [start, end)."""
    return Spec("voltage_compliance_feeders", {"start_day": start, "end_day": end}, FeederVoltage)


def voltage_compliance_meters(*, feeder_id: int, start: dt.date, end: dt.date) -> Spec[MeterVoltage]:
    """Meters of one feeder with Range A/B excursions over the days [start, end)."""
    return Spec("voltage_compliance_meters", {"feeder_id": feeder_id, "start_day": start, "end_day": end}, MeterVoltage)


def system_load(*, day: dt.date) -> Spec[SystemLoadHour]:
    """System MW by hour: `day` against the same weekday a week before."""
    return Spec("system_load", {"day": day}, SystemLoadHour)
