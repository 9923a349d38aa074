"""API schemas for the network model and its traces (explicit fields only)."""

from __future__ import annotations

from ninja import Schema


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


class SubstationOut(Schema):
    code: str
    name: str
    lon: float
    lat: float
    capacity_mva: float
    feeder_count: int


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


class ServicePointOut(Schema):
    meter_id: str
    customer_class: str
    customers: int
    lon: float
    lat: float
    transformer: str
    transformer_kva: float
    feeder: str
    substation: str


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
