"""API schemas for the reliability indices, feeder ranking and KPI snapshot."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ninja import Field, Schema

from grid.selectors.dashboard import OutageFigures
from grid.selectors.reliability import Report


# Every index for one scope and period (`Indices`).
class IndicesOut(Schema):
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


class PeriodOut(Schema):
    first: date
    last: date
    label: str


# A scope's indices with and without major event days (`Report`).
class ReportOut(Schema):
    scope: str
    period: PeriodOut
    customers_served: int
    all_days: IndicesOut
    excluding_med: IndicesOut
    med_days: list[date]
    med_thresholds: dict[int, float | None] = Field(..., alias="thresholds")


# One feeder's indices (`FeederFigures`; its feeder's substation loaded with it).
class FeederRankOut(Schema):
    feeder: str = Field(..., alias="feeder.code")
    substation: str = Field(..., alias="feeder.substation.code")
    customers_served: int
    saidi: float
    saifi: float
    caidi: float
    saidi_all_days: float
    all_days: IndicesOut
    excluding_med: IndicesOut


@dataclass(frozen=True)
class KpiSources:
    """What the KPI snapshot reads: live outage figures, crew counts, year to date now and a year before."""

    outages: OutageFigures
    crews_available: int
    crews_assigned: int
    this_year: Report
    last_year: Report


# The dashboard's figures in one object, read from `KpiSources`.
class KpiOut(Schema):
    active_outages: int = Field(..., alias="outages.active_outages")
    customers_out: int = Field(..., alias="outages.customers_out")
    customers_restored_today: int = Field(..., alias="outages.customers_restored_today")
    crews_available: int
    crews_assigned: int
    saidi_ytd: float = Field(..., alias="this_year.all_days.saidi")
    saifi_ytd: float = Field(..., alias="this_year.all_days.saifi")
    caidi_ytd: float = Field(..., alias="this_year.all_days.caidi")
    saidi_ytd_excluding_med: float = Field(..., alias="this_year.excluding_med.saidi")
    saifi_ytd_excluding_med: float = Field(..., alias="this_year.excluding_med.saifi")
    caidi_ytd_excluding_med: float = Field(..., alias="this_year.excluding_med.caidi")
    saidi_same_period_last_year: float = Field(..., alias="last_year.all_days.saidi")
    med_days_this_year: int

    @staticmethod
    def resolve_med_days_this_year(sources: KpiSources) -> int:
        return len(sources.this_year.med_days)
