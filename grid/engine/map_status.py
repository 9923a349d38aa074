"""The operations map's status body, pure: one byte per segment, device and transformer.

Status body: ``b"FXST"``, uint32 structure, uint32 state, uint32 flags (bit 0: loading classes
present, bit 1: outage mask applied), uint32 S, uint32 D, uint32 T, 4 bytes padding, then S + D + T
bytes in geometry order (segments, devices, transformers). Value codes per byte:

* bits 0-1, every asset: 0 energized, 1 de-energized, 2 in an active outage (``STATUS_*``);
* bits 2-4, segments: loading class 0 unknown, 1 below 50 %, 2 50-80 %, 3 80-100 %, 4 overloaded;
* bits 2-3, devices: 0 closed as normal, 1 open as normal (normally-open tie or switch),
  2 open abnormally, 3 closed abnormally (a normally-open device closed)."""

from __future__ import annotations

import struct

import numpy as np

from grid.engine.arrays import BoolArray, ByteArray, IntArray
from grid.engine.topology import Energization

STATUS_MAGIC = b"FXST"


STATUS_HEADER = struct.Struct("<4sIIIIII4x")


STATUS_ENERGIZED = 0


STATUS_DEENERGIZED = 1


STATUS_OUTAGE = 2


SWITCH_CLOSED = 0


SWITCH_OPEN_NORMAL = 1


SWITCH_OPEN_ABNORMAL = 2


SWITCH_CLOSED_ABNORMAL = 3


LOADING_CLASSES = ("unknown", "below 50 %", "50-80 %", "80-100 %", "overloaded")


STATUS_FLAG_LOADING = 1


STATUS_FLAG_OUTAGE = 2


def encode_status(
    *,
    structure: int,
    state: int,
    energization: Energization,
    device_open: BoolArray,
    transformer_node: IntArray,
    segment_in_outage: BoolArray | None = None,
    segment_loading: ByteArray | None = None,
) -> bytes:
    """One status byte per segment, device and transformer (codes in the module docstring).

    `energization` is the pass for the open devices `device_open`; `transformer_node` gives each
    drawn transformer's node index. `segment_in_outage` (bool per segment) marks segments inside
    an active outage; devices and transformers touching such a segment and not energized are
    marked too. `segment_loading` (uint8 per segment, 0-4) carries loading classes when analytics
    provide them.
    """
    arrays = energization.topology.arrays
    segment_from, segment_to = arrays.segment_from, arrays.segment_to
    device_segment, device_node = arrays.device_segment, arrays.device_node
    node_energized = energization.energized
    segments = np.where(energization.segment_energized, STATUS_ENERGIZED, STATUS_DEENERGIZED).astype(np.uint8)
    node_outage = np.zeros(len(node_energized), dtype=bool)
    flags = 0
    if segment_in_outage is not None:
        flags |= STATUS_FLAG_OUTAGE
        segments[segment_in_outage] = STATUS_OUTAGE
        node_outage[segment_from[segment_in_outage]] = True
        node_outage[segment_to[segment_in_outage]] = True
    if segment_loading is not None:
        flags |= STATUS_FLAG_LOADING
        segments |= (np.clip(segment_loading, 0, 4).astype(np.uint8) << 2).astype(np.uint8)

    on_segment = device_segment >= 0
    device_live = np.zeros(len(device_segment), dtype=bool)
    device_dead_outage = np.zeros(len(device_segment), dtype=bool)
    ends = device_segment[on_segment]
    device_live[on_segment] = node_energized[segment_from[ends]] | node_energized[segment_to[ends]]
    device_live[~on_segment] = node_energized[device_node[~on_segment]]
    if segment_in_outage is not None:
        device_dead_outage[on_segment] = segment_in_outage[ends]
        device_dead_outage[~on_segment] = node_outage[device_node[~on_segment]]
    device_energy = np.where(device_live, STATUS_ENERGIZED, STATUS_DEENERGIZED)
    device_energy = np.where(~device_live & device_dead_outage, STATUS_OUTAGE, device_energy)
    switch = np.select(
        [
            device_open & arrays.device_normally_open,
            device_open & ~arrays.device_normally_open,
            ~device_open & arrays.device_normally_open,
        ],
        [SWITCH_OPEN_NORMAL, SWITCH_OPEN_ABNORMAL, SWITCH_CLOSED_ABNORMAL],
        SWITCH_CLOSED,
    )
    devices: ByteArray = (device_energy | (switch << 2)).astype(np.uint8)

    live = node_energized[transformer_node]
    transformers = np.where(live, STATUS_ENERGIZED, STATUS_DEENERGIZED)
    transformers = np.where(~live & node_outage[transformer_node], STATUS_OUTAGE, transformers).astype(np.uint8)
    header = STATUS_HEADER.pack(STATUS_MAGIC, structure, state, flags, len(segments), len(devices), len(transformers))
    return header + segments.tobytes() + devices.tobytes() + transformers.tobytes()


def decode_status(body: bytes) -> dict[str, object]:
    """Versions, flags and the three byte arrays of a status body."""
    magic, structure, state, flags, s, d, t = STATUS_HEADER.unpack_from(body)
    if magic != STATUS_MAGIC:
        raise ValueError("not a map status body")
    values = np.frombuffer(body, dtype=np.uint8, offset=STATUS_HEADER.size)
    return {
        "structure": structure,
        "state": state,
        "flags": flags,
        "segments": values[:s],
        "devices": values[s : s + d],
        "transformers": values[s + d : s + d + t],
    }
