"""API schemas for the network model and its traces (explicit fields only)."""

from __future__ import annotations

from ninja import Field, Schema


# Row counts from `network_counts`.
class NetworkSummaryOut(Schema):
    substations: int
    feeders: int
    nodes: int
    segments: int
    devices: int
    transformers: int
    service_points: int
    customers: int
    ties: int
    length_km: float


# A substation from `substations_with_counts` (annotated with `feeder_count`).
class SubstationOut(Schema):
    code: str
    name: str
    lon: float
    lat: float
    capacity_mva: float
    feeder_count: int


# A feeder's size (`FeederSummary`).
class FeederOut(Schema):
    code: str
    substation: str
    nominal_kv: float
    segments: int
    length_km: float
    transformers: int
    service_points: int
    customers: int
    devices: int
    ties: int


# A service point with the transformer, feeder and substation it hangs on (selected with it).
class ServicePointOut(Schema):
    meter_id: str
    customer_class: str
    customers: int
    lon: float
    lat: float
    transformer: str = Field(..., alias="transformer.code")
    transformer_kva: float = Field(..., alias="transformer.kva")
    feeder: str = Field(..., alias="transformer.feeder.code")
    substation: str = Field(..., alias="transformer.feeder.substation.code")


class CustomersOut(Schema):
    residential: int
    commercial: int
    industrial: int


class TraceUpOut(Schema):
    start: str
    feeder: str | None
    energized: bool
    segments: list[int]
    devices: list[str]
    protective_devices: list[str]


class TraceDownOut(Schema):
    start: str
    segments: int
    transformers: int
    meters: int
    customers: CustomersOut
    customers_total: int
