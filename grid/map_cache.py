"""The operations map's server-side state: encoded geometry cached per structure version, and status.

The geometry body (and its gzip) is built once per process and structure version; the status
body is encoded on each request from the cached energization (one byte per asset, ~1 ms).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np
from django.conf import settings
from django.utils.module_loading import import_string
from prometheus_client import Counter

from grid import network_cache
from grid.engine.arrays import BoolArray, ByteArray
from grid.engine.map_geometry import EncodedGeometry, encode_geometry
from grid.engine.map_status import encode_status
from grid.selectors.map import map_rows, open_device_ids


def segment_loading() -> ByteArray | None:
    """Loading class per segment from the provider named in MAP_LOADING_PROVIDER (None without one)."""
    path = settings.MAP_LOADING_PROVIDER
    if not path:
        return None
    provider: Callable[[], ByteArray | None] = import_string(path)
    return provider()


class NetworkChanged(Exception):
    """The network changed between reading the geometry and the energization; retry."""


_lock = threading.Lock()
_geometry: EncodedGeometry | None = None


GEOMETRY_CACHE = Counter(
    "fluxops_map_geometry_cache_total",
    "Map geometry lookups served from the process cache (hit) or rebuilt (miss).",
    ["result"],
)


def geometry_for(structure: int) -> EncodedGeometry:
    """The encoded geometry of the stored network for `structure` (rebuilt when it changed)."""
    global _geometry
    with _lock:
        if _geometry is None or _geometry.structure != structure:
            GEOMETRY_CACHE.labels(result="miss").inc()
            _geometry = encode_geometry(map_rows(), structure=structure)
        else:
            GEOMETRY_CACHE.labels(result="hit").inc()
        return _geometry


def current_geometry() -> EncodedGeometry:
    """The encoded geometry for the stored network's current structure version."""
    structure, _ = network_cache.current_version()
    return geometry_for(structure)


def status_body(*, segment_in_outage: BoolArray | None = None, segment_loading: ByteArray | None = None) -> bytes:
    """The status body (see `grid.engine.map_status`) for the current device states.

    `segment_in_outage` (bool per segment, in segment id order) marks segments inside active
    outages; `segment_loading` (uint8 per segment, 0-4) gives loading classes.
    """
    structure, state = network_cache.current_version()
    geometry = geometry_for(structure)
    energization = network_cache.current_energization()
    arrays = energization.topology.arrays
    if not (
        np.array_equal(arrays.segment_ids, geometry.segment_ids)
        and np.array_equal(arrays.device_ids, geometry.device_ids)
    ):
        raise NetworkChanged("the network changed while its status was read")
    device_open = np.isin(arrays.device_ids, list(open_device_ids()))
    return encode_status(
        structure=structure,
        state=state,
        energization=energization,
        device_open=device_open,
        transformer_node=np.searchsorted(arrays.node_ids, geometry.transformer_node_ids),
        segment_in_outage=segment_in_outage,
        segment_loading=segment_loading,
    )


def clear_cache() -> None:
    """Forget the cached geometry (tests)."""
    global _geometry
    with _lock:
        _geometry = None
