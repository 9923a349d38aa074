"""API schemas for the analytics figures (explicit fields only)."""

from __future__ import annotations

import datetime as dt

from ninja import Schema


class StatusOut(Schema):
    load_batch: int
    refresh_batch: int
    version: str
    first_day: dt.date | None
    last_day: dt.date | None


class LoadPointOut(Schema):
    hour: dt.datetime
    customer_class: str
    avg_kw: float
    peak_kw: float


class FeederLoadOut(Schema):
    feeder: str
    start: dt.date
    end: dt.date
    peak_hour: dt.datetime | None
    peak_kw: float | None
    points: list[LoadPointOut]


class TransformerLoadingItemOut(Schema):
    transformer_id: int
    transformer_code: str
    feeder_code: str
    kva: float
    peak_kva: float
    peak_pct: float
    hours_over_100: int
    hours_over_120: int
    kwh: float


class TransformerLoadingOut(Schema):
    start: dt.date
    end: dt.date
    over_100: int
    over_120: int
    items: list[TransformerLoadingItemOut]


class FeederVoltageOut(Schema):
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


class VoltageComplianceOut(Schema):
    start: dt.date
    end: dt.date
    feeders: list[FeederVoltageOut]


class MeterVoltageOut(Schema):
    meter_code: str
    transformer_code: str
    customer_class: str
    readings: int
    readings_out_a: int
    readings_out_b: int
    min_v: float
    avg_v: float


class VoltageExcursionsOut(Schema):
    feeder: str
    start: dt.date
    end: dt.date
    meters: list[MeterVoltageOut]


class SystemLoadHourOut(Schema):
    hour_of_day: int
    mw_day: float | None
    mw_week_before: float | None


class SystemLoadOut(Schema):
    day: dt.date
    week_before: dt.date
    peak_mw: float | None
    hours: list[SystemLoadHourOut]


class ErrorOut(Schema):
    detail: str
