"""Every write to the grid models goes through these functions (keyword-only, typed, atomic)."""

from grid.services.crews import crews_seed
from grid.services.errors import Conflict, ServiceError
from grid.services.meter_events import IngestResult, meter_events_ingest, outages_predict
from grid.services.network import (
    NETWORK_MODELS,
    NetworkNotEmpty,
    device_states_changed,
    network_clear,
    network_seed,
    network_structure_changed,
)
from grid.services.outages import (
    TRANSITIONS,
    allowed_actions,
    crew_set_status,
    outage_record_step,
    outage_transition,
    outage_update_etr,
    work_order_create,
    work_order_set_status,
)
from grid.services.switching import SwitchingPreview, device_operate, switching_preview

__all__ = [
    "NETWORK_MODELS",
    "TRANSITIONS",
    "Conflict",
    "IngestResult",
    "NetworkNotEmpty",
    "ServiceError",
    "SwitchingPreview",
    "allowed_actions",
    "crew_set_status",
    "crews_seed",
    "device_operate",
    "device_states_changed",
    "meter_events_ingest",
    "network_clear",
    "network_seed",
    "network_structure_changed",
    "outage_record_step",
    "outage_transition",
    "outage_update_etr",
    "outages_predict",
    "switching_preview",
    "work_order_create",
    "work_order_set_status",
]
