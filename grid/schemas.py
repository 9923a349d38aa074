"""API schemas for the network model (explicit fields only)."""

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


class ErrorOut(Schema):
    detail: str
