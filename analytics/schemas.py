"""API schemas for the analytics figures (explicit fields only).

The panel schemas read a panel's `Outcome`: its period, its rows and the figures in `extra`."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema


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
    feeder: str = Field(..., alias="extra.feeder")
    start: dt.date = Field(..., alias="period.start")
    end: dt.date = Field(..., alias="period.end")
    peak_hour: dt.datetime | None = Field(..., alias="extra.peak_hour")
    peak_kw: float | None = Field(..., alias="extra.peak_kw")
    points: list[LoadPointOut] = Field(..., alias="rows")


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
    start: dt.date = Field(..., alias="period.start")
    end: dt.date = Field(..., alias="period.end")
    over_100: int = Field(..., alias="extra.over_100")
    over_120: int = Field(..., alias="extra.over_120")
    items: list[TransformerLoadingItemOut] = Field(..., alias="rows")


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
    start: dt.date = Field(..., alias="period.start")
    end: dt.date = Field(..., alias="period.end")
    feeders: list[FeederVoltageOut] = Field(..., alias="rows")


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
    feeder: str = Field(..., alias="extra.feeder")
    start: dt.date = Field(..., alias="period.start")
    end: dt.date = Field(..., alias="period.end")
    meters: list[MeterVoltageOut] = Field(..., alias="extra.meters")


class SystemLoadHourOut(Schema):
    hour_of_day: int
    mw_day: float | None
    mw_week_before: float | None


class SystemLoadOut(Schema):
    day: dt.date = Field(..., alias="extra.day")
    week_before: dt.date = Field(..., alias="extra.week_before")
    peak_mw: float | None = Field(..., alias="extra.peak_mw")
    hours: list[SystemLoadHourOut] = Field(..., alias="rows")


class ErrorOut(Schema):
    detail: str
