"""Deterministic generator of a multi-year outage history on the stored network, pure.

Each day draws outages per kind from Poisson rates scaled to the network's size and the month:
- service drops, transformer failures, fused laterals, recloser lockouts and feeder breaker
  trips, with cause mixes by kind and season (Houston: spring animals and vegetation, summer
  heat on transformers, thunderstorm and hurricane season June-October);
- a few storm days a year multiply weather outages and stretch their durations (the major event
  days the 2.5 beta method should flag);
- momentary events: recloser operations of one to three shots within a minute or two;
- durations are log-normal by kind (minutes to days); recloser and breaker outages are restored
  in steps (switching restores part of the customers before the repair).
Same seed, same network -> the same history.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np

# Outages per year on the default network (320 feeders); scaled by feeder count.
ANNUAL_RATE = {"service": 2600, "transformer": 2300, "fuse": 2400, "recloser": 110, "breaker": 45, "momentary": 650}
DEFAULT_FEEDERS = 320
MEDIAN_MINUTES = {"service": 110, "transformer": 170, "fuse": 120, "recloser": 95, "breaker": 80}
SIGMA = {"service": 0.7, "transformer": 0.75, "fuse": 0.7, "recloser": 0.8, "breaker": 0.8}
# Relative frequency by month (Jan..Dec) for each cause.
SEASON = {
    "weather": (0.6, 0.6, 0.9, 1.2, 1.5, 1.8, 1.6, 1.7, 1.6, 1.0, 0.7, 0.6),
    "vegetation": (0.6, 0.7, 1.1, 1.4, 1.4, 1.3, 1.2, 1.1, 1.0, 0.8, 0.7, 0.6),
    "equipment": (0.8, 0.8, 0.8, 0.9, 1.1, 1.4, 1.6, 1.6, 1.3, 0.9, 0.8, 0.8),
    "animal": (0.6, 0.8, 1.3, 1.6, 1.5, 1.2, 1.0, 0.9, 0.9, 0.9, 0.7, 0.6),
    "vehicle": (1.0,) * 12,
}
CAUSE_MIX = {
    "service": {"equipment": 0.45, "vegetation": 0.2, "weather": 0.15, "animal": 0.1, "vehicle": 0.1},
    "transformer": {"equipment": 0.5, "weather": 0.2, "animal": 0.15, "vegetation": 0.1, "vehicle": 0.05},
    "fuse": {"vegetation": 0.35, "animal": 0.25, "weather": 0.2, "equipment": 0.15, "vehicle": 0.05},
    "recloser": {"weather": 0.35, "vegetation": 0.3, "equipment": 0.2, "vehicle": 0.1, "animal": 0.05},
    "breaker": {"weather": 0.35, "equipment": 0.3, "vehicle": 0.2, "vegetation": 0.15},
}
STORM_DAYS_PER_YEAR = (2, 4)
STORM_MULTIPLIER = 40.0


@dataclass(frozen=True)
class Target:
    """Something that can be out: a device, a transformer or a service point, with its customers."""

    kind: str  # service, transformer, fuse, recloser, breaker
    feeder: int
    customers: int
    device: int | None = None
    transformer: int | None = None
    service_point: int | None = None
    areas: dict[str, int] | None = None
    by_class: dict[str, int] | None = None


@dataclass(frozen=True)
class HistoricOutage:
    """One generated interruption with its restoration steps (minutes after start, customers)."""

    target: Target
    cause: str
    started_at: datetime
    steps: tuple[tuple[float, int], ...]


def storm_days(rng: np.random.Generator, first: date, last: date) -> set[date]:
    """A few storm days per year, mostly in the June-October season."""
    days = set()
    for year in range(first.year, last.year + 1):
        for _ in range(int(rng.integers(STORM_DAYS_PER_YEAR[0], STORM_DAYS_PER_YEAR[1] + 1))):
            month = int(rng.choice([4, 5, 6, 7, 8, 9, 10], p=[0.05, 0.1, 0.2, 0.15, 0.2, 0.25, 0.05]))
            day = date(year, month, int(rng.integers(1, 29)))
            if first <= day <= last:
                days.add(day)
    return days


def _steps(rng: np.random.Generator, kind: str, minutes: float, customers: int) -> tuple[tuple[float, int], ...]:
    if kind in ("recloser", "breaker") and customers >= 20 and rng.random() < 0.7:
        first_at = minutes * float(rng.uniform(0.25, 0.6))
        first = max(1, int(customers * float(rng.uniform(0.4, 0.75))))
        return ((first_at, first), (minutes, customers - first))
    return ((minutes, customers),)


def generate_history(
    *,
    targets: Mapping[str, Sequence[Target]],
    feeders: int,
    first: date,
    last: date,
    tz: ZoneInfo,
    seed: int,
) -> Iterator[HistoricOutage]:
    """Yield the outages of every day from `first` to `last` (inclusive), in start order per day."""
    rng = np.random.default_rng(seed)
    scale = feeders / DEFAULT_FEEDERS
    storms = storm_days(rng, first, last)
    day = first
    while day <= last:
        storm = day in storms
        month = day.month - 1
        daily: list[HistoricOutage] = []
        for kind, annual in ANNUAL_RATE.items():
            pool = targets.get("recloser" if kind == "momentary" else kind, ())
            if not pool:
                continue
            if kind == "momentary":
                rate = annual * scale / 365 * SEASON["weather"][month] * (6 if storm else 1)
                for _ in range(int(rng.poisson(rate))):
                    target = pool[int(rng.integers(len(pool)))]
                    start = _moment(rng, day, tz)
                    for shot in range(int(rng.integers(1, 4))):
                        at = start + timedelta(seconds=float(rng.uniform(20, 90)) * shot)
                        daily.append(
                            HistoricOutage(target, "weather", at, ((float(rng.uniform(0.3, 2.0)), target.customers),))
                        )
                continue
            mix = CAUSE_MIX[kind]
            for cause, share in mix.items():
                rate = annual * scale / 365 * share * SEASON[cause][month]
                if storm and cause in ("weather", "vegetation"):
                    rate *= STORM_MULTIPLIER
                for _ in range(int(rng.poisson(rate))):
                    target = pool[int(rng.integers(len(pool)))]
                    median = MEDIAN_MINUTES[kind] * (4.0 if storm and cause in ("weather", "vegetation") else 1.0)
                    minutes = max(6.0, float(rng.lognormal(math.log(median), SIGMA[kind])))
                    minutes = min(minutes, 5 * 24 * 60)
                    daily.append(
                        HistoricOutage(
                            target, cause, _moment(rng, day, tz), _steps(rng, kind, minutes, target.customers)
                        )
                    )
        yield from sorted(daily, key=lambda o: o.started_at)
        day += timedelta(days=1)


def _moment(rng: np.random.Generator, day: date, tz: ZoneInfo) -> datetime:
    """A start time on `day`, weighted towards the afternoon (heat, storms, traffic), as a UTC instant.

    The hour is local wall-clock time; the result is in UTC so that durations added to it are real
    minutes even across a daylight-saving change.
    """
    hour = float(np.clip(rng.normal(14.0, 5.0), 0.0, 23.99))
    return (datetime.combine(day, time(0), tzinfo=tz) + timedelta(hours=hour)).astimezone(UTC)
