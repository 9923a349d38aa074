"""The stored network model and the operations records, re-exported so `from grid.models import Outage` works."""

from grid.models.network import Device, Feeder, NetworkVersion, Node, Segment, ServicePoint, Substation, Transformer
from grid.models.operations import (
    Crew,
    MeterEvent,
    Outage,
    OutageArea,
    OutageEvent,
    RestorationStep,
    SwitchingOperation,
    WorkOrder,
    local_day,
)

__all__ = [
    "Crew",
    "Device",
    "Feeder",
    "MeterEvent",
    "NetworkVersion",
    "Node",
    "Outage",
    "OutageArea",
    "OutageEvent",
    "RestorationStep",
    "Segment",
    "ServicePoint",
    "Substation",
    "SwitchingOperation",
    "Transformer",
    "WorkOrder",
    "local_day",
]
