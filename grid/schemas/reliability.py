"""API schemas for the reliability indices, feeder ranking and KPI snapshot."""

from __future__ import annotations

from datetime import date

from ninja import Schema


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


class ReportOut(Schema):
    scope: str
    period: PeriodOut
    customers_served: int
    all_days: IndicesOut
    excluding_med: IndicesOut
    med_days: list[date]
    med_thresholds: dict[int, float | None]


class FeederRankOut(Schema):
    feeder: str
    substation: str
    customers_served: int
    saidi: float
    saifi: float
    caidi: float
    saidi_all_days: float
    all_days: IndicesOut
    excluding_med: IndicesOut


class KpiOut(Schema):
    active_outages: int
    customers_out: int
    customers_restored_today: int
    crews_available: int
    crews_assigned: int
    saidi_ytd: float
    saifi_ytd: float
    caidi_ytd: float
    saidi_ytd_excluding_med: float
    saifi_ytd_excluding_med: float
    caidi_ytd_excluding_med: float
    saidi_same_period_last_year: float
    med_days_this_year: int
