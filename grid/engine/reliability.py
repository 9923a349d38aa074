"""IEEE Std 1366 reliability indices, pure: interruption records in, indices out.

Definitions used (N_T is always customers served, never customers interrupted):
- An interruption longer than 5 minutes is sustained; 5:00 exactly or less is momentary.
- SAIFI = sum(N_i) / N_T; SAIDI = sum(r_i N_i) / N_T in minutes; CAIDI = SAIDI / SAIFI;
  CAIFI = sum(N_i) / CN and CTAIDI = sum(r_i N_i) / CN, CN = distinct customers with at least one
  sustained interruption; ASAI = 1 - sum(r_i N_i) / (N_T x minutes in the period);
  MAIFI_E = sum of customers of each momentary event / N_T, where reclosing operations of one device within 5 minutes of
  the first count as one event; CEMI_n = customers with more than n sustained interruptions / N_T.
- Step restoration: each step's customers count for their own duration (start to that step).
- An interruption belongs to the day (local time) it starts.
- Major event days (2.5 beta method): daily SAIDI of the five prior years (fewer if that is all
  there is), zero days dropped; alpha and beta are the mean and the *sample* standard deviation
  (n - 1) of the natural logs; T_MED = exp(alpha + 2.5 beta); a day whose SAIDI exceeds T_MED
  is a MED. The threshold computed from years Y-5..Y-1 applies to year Y.
- Customer identity (for CN and CEMI_n) is kept per area: an interruption lists the areas it hit
  (a transformer, or a single service point) with their customers; the same area hit twice is the
  same customers, and a service point inside a transformer area hit as a whole is some of that
  area's customers (`within` names the area containing it), never extra ones.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

SUSTAINED_AFTER = timedelta(minutes=5)
SUSTAINED_MINUTES = SUSTAINED_AFTER.total_seconds() / 60
MOMENTARY_WINDOW = timedelta(minutes=5)
MED_YEARS = 5
MED_BETA_FACTOR = 2.5
CEMI_N = (1, 2, 3)


@dataclass(frozen=True)
class Interruption:
    """One interruption: when it started, customers, exact customer-minutes, duration, where it hit."""

    started_at: datetime
    customers: int
    customer_minutes: float
    duration: timedelta
    device: str = ""
    feeder: int | None = None
    areas: Mapping[str, int] = field(default_factory=dict)

    @classmethod
    def from_steps(
        cls,
        started_at: datetime,
        steps: Sequence[tuple[datetime, int]],
        *,
        device: str = "",
        feeder: int | None = None,
        areas: Mapping[str, int] | None = None,
    ) -> Interruption:
        """From restoration steps (restored at, customers): each step counts for its own duration.

        Durations are taken between UTC instants: two times in one local zone subtract as wall-clock
        times in Python, which is an hour wrong across a daylight-saving change.
        """
        start = started_at.astimezone(UTC)
        utc_steps = [(at.astimezone(UTC), customers) for at, customers in steps]
        return cls(
            started_at=started_at,
            customers=sum(customers for _, customers in utc_steps),
            customer_minutes=sum(c * (at - start).total_seconds() / 60 for at, c in utc_steps),
            duration=max(at for at, _ in utc_steps) - start,
            device=device,
            feeder=feeder,
            areas=areas or {},
        )

    @property
    def sustained(self) -> bool:
        return self.duration > SUSTAINED_AFTER


@dataclass(frozen=True)
class Indices:
    """Every index for one scope and period."""

    customers_served: int
    sustained_interruptions: int
    customers_interrupted: int
    customer_minutes: float
    distinct_customers_interrupted: int
    momentary_events: int
    saifi: float
    saidi: float
    caidi: float
    caifi: float
    ctaidi: float
    asai: float
    maifi_e: float
    cemi: dict[int, float]


def _div(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else 0.0


def momentary_events(interruptions: Iterable[Interruption]) -> list[tuple[Interruption, ...]]:
    """Momentary interruptions grouped into events: per device, operations within 5 min of the first."""
    by_device: dict[str, list[Interruption]] = defaultdict(list)
    for interruption in interruptions:
        if not interruption.sustained:
            by_device[interruption.device].append(interruption)
    events = []
    for operations in by_device.values():
        operations.sort(key=lambda i: i.started_at)
        current: list[Interruption] = []
        for operation in operations:
            if current and operation.started_at - current[0].started_at > MOMENTARY_WINDOW:
                events.append(tuple(current))
                current = []
            current.append(operation)
        if current:
            events.append(tuple(current))
    return events


@dataclass(frozen=True)
class Totals:
    """The sums every index is a ratio of: from interruption records here, or from SQL aggregates."""

    sustained_interruptions: int
    customers_interrupted: int
    customer_minutes: float
    distinct_customers_interrupted: int
    # n -> customers with more than n sustained interruptions
    customers_interrupted_more_than: Mapping[int, int]
    momentary_events: int
    # Customers of each momentary event (the largest operation of the event), summed
    momentary_customers: int


def distinct_customers(
    hits: Mapping[str, int],
    customers: Mapping[str, int],
    *,
    within: Mapping[str, str],
    cemi_n: Sequence[int] = CEMI_N,
) -> tuple[int, dict[int, int]]:
    """Distinct customers hit, and per n those hit more than n times, from hits and customers per area.

    An area inside another (`within`: a service point in its transformer's area) adds its customers
    only where the outer area was never hit, and its hits add to the outer area's for its customers.
    """
    inner_customers: dict[str, int] = defaultdict(int)
    for area, outer in within.items():
        if area in hits:
            inner_customers[outer] += customers[area]
    distinct = 0
    more: dict[int, int] = dict.fromkeys(cemi_n, 0)
    for area, count in hits.items():
        enclosing = within.get(area)
        if enclosing is None:
            distinct += customers[area]
            rest = customers[area] - inner_customers.get(area, 0)
            for n in cemi_n:
                more[n] += rest if count > n else 0
            continue
        outer_hits = hits.get(enclosing, 0)
        distinct += customers[area] if outer_hits == 0 else 0
        for n in cemi_n:
            more[n] += customers[area] if count + outer_hits > n else 0
    return distinct, more


def totals(
    interruptions: Sequence[Interruption],
    *,
    cemi_n: Sequence[int] = CEMI_N,
    within: Mapping[str, str] | None = None,
) -> Totals:
    """The sums of `interruptions`; areas identify customers (see `distinct_customers`)."""
    sustained = [i for i in interruptions if i.sustained]
    hits: dict[str, int] = defaultdict(int)
    area_customers: dict[str, int] = {}
    for interruption in sustained:
        for area, count in interruption.areas.items():
            hits[area] += 1
            area_customers[area] = max(area_customers.get(area, 0), count)
    distinct, more = distinct_customers(hits, area_customers, within=within or {}, cemi_n=cemi_n)
    events, event_customers = momentary_figures(interruptions)
    return Totals(
        sustained_interruptions=len(sustained),
        customers_interrupted=sum(i.customers for i in sustained),
        customer_minutes=sum(i.customer_minutes for i in sustained),
        distinct_customers_interrupted=distinct,
        customers_interrupted_more_than=more,
        momentary_events=events,
        momentary_customers=event_customers,
    )


def momentary_figures(interruptions: Iterable[Interruption]) -> tuple[int, int]:
    """Momentary events, and their customers summed (each event counts its largest operation)."""
    events = momentary_events(interruptions)
    return len(events), sum(max(i.customers for i in event) for event in events)


def indices_from_totals(sums: Totals, *, customers_served: int, period_minutes: float) -> Indices:
    """IEEE 1366 indices from the sums, for a population of `customers_served` over a period."""
    customers, minutes, distinct = (
        sums.customers_interrupted,
        sums.customer_minutes,
        sums.distinct_customers_interrupted,
    )
    saifi = _div(customers, customers_served)
    saidi = _div(minutes, customers_served)
    return Indices(
        customers_served=customers_served,
        sustained_interruptions=sums.sustained_interruptions,
        customers_interrupted=customers,
        customer_minutes=minutes,
        distinct_customers_interrupted=distinct,
        momentary_events=sums.momentary_events,
        saifi=saifi,
        saidi=saidi,
        caidi=_div(saidi, saifi),
        caifi=_div(customers, distinct),
        ctaidi=_div(minutes, distinct),
        asai=1.0 - _div(minutes, customers_served * period_minutes),
        maifi_e=_div(sums.momentary_customers, customers_served),
        cemi={n: _div(count, customers_served) for n, count in sums.customers_interrupted_more_than.items()},
    )


def indices(
    interruptions: Sequence[Interruption],
    *,
    customers_served: int,
    period_minutes: float,
    cemi_n: Sequence[int] = CEMI_N,
    within: Mapping[str, str] | None = None,
) -> Indices:
    """IEEE 1366 indices of `interruptions` for a population of `customers_served` over a period."""
    return indices_from_totals(
        totals(interruptions, cemi_n=cemi_n, within=within),
        customers_served=customers_served,
        period_minutes=period_minutes,
    )


def start_day(started_at: datetime, tz: ZoneInfo) -> date:
    """The local day an interruption belongs to: the day it starts."""
    return started_at.astimezone(tz).date()


def daily_saidi(interruptions: Iterable[Interruption], *, customers_served: int, tz: ZoneInfo) -> dict[date, float]:
    """SAIDI per start day (sustained interruptions only)."""
    days: dict[date, float] = defaultdict(float)
    for interruption in interruptions:
        if interruption.sustained:
            days[start_day(interruption.started_at, tz)] += interruption.customer_minutes
    return {day: total / customers_served for day, total in days.items()}


def med_threshold(daily: Iterable[float]) -> float | None:
    """T_MED = exp(alpha + 2.5 beta) over the non-zero daily SAIDI values (sample standard deviation).

    None when fewer than two non-zero days exist (no threshold can be estimated).
    """
    logs = [math.log(value) for value in daily if value > 0]
    if len(logs) < 2:
        return None
    return math.exp(statistics.fmean(logs) + MED_BETA_FACTOR * statistics.stdev(logs))


def med_days(daily: Mapping[date, float], threshold: float | None) -> set[date]:
    """Days whose SAIDI exceeds the threshold."""
    if threshold is None:
        return set()
    return {day for day, value in daily.items() if value > threshold}
