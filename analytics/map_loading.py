"""Loading classes of every primary segment for the map, from the warehouse's transformer peaks.

Each segment carries the peak demand of every transformer it feeds in the live network (peaks of
the last day the rollups cover, summed: a conservative coincident load). Its current is
P / (sqrt(3) x kV x power factor) at the feeder's nominal voltage, compared with the conductor's
ampacity. The map never waits for this: the peaks come from the query cache, or the status goes
out without loading classes while the warehouse computes them (or is unavailable).
"""

from __future__ import annotations

import datetime as dt
import logging
import math

import numpy as np

from analytics import queries
from analytics.errors import WarehouseError
from grid import network_cache
from grid.engine.arrays import BoolArray, ByteArray, FloatArray
from grid.models import Feeder, Segment, Transformer

logger = logging.getLogger(__name__)

POWER_FACTOR = 0.95
# Loading classes as the map's status encodes them: 1 below 50 %, 2 50-80 %, 3 80-100 %, 4 over 100 %.
CLASS_EDGES = (0.5, 0.8, 1.0)

_cache: dict[tuple[int, int, str], ByteArray] = {}


def loading_classes(
    through_kw: FloatArray, kv_per_segment: FloatArray, ampacity: FloatArray, live: BoolArray
) -> ByteArray:
    """uint8 loading class per segment (0 where no load flows or the segment is dead)."""
    amps = through_kw / (math.sqrt(3) * np.maximum(kv_per_segment, 0.1) * POWER_FACTOR)
    share = amps / np.maximum(ampacity, 1.0)
    classes = (np.digitize(share, CLASS_EDGES) + 1).astype(np.uint8)
    classes[(through_kw <= 0) | ~live] = 0
    return classes


def segment_loading() -> ByteArray | None:
    """Loading class per segment (segment id order), or None when the warehouse cannot say yet."""
    try:
        status = queries.data_status()
        if status.last_day is None:
            return None
        peaks = queries.cached(
            queries.transformer_peaks(start=status.last_day, end=status.last_day + dt.timedelta(days=1)), wait=0
        )
    except WarehouseError as exc:
        logger.info("map loading unavailable: %s", exc)
        return None
    if peaks is None:
        return None
    structure, state = network_cache.current_version()
    key = (structure, state, status.version)
    if key not in _cache:
        _cache.clear()
        _cache[key] = _compute(peaks)
    return _cache[key]


def _compute(peaks: list[queries.TransformerPeak]) -> ByteArray:
    live = network_cache.current_energization()
    arrays = live.topology.arrays
    node_of = dict(Transformer.objects.values_list("pk", "node_id"))
    node_load = np.zeros(arrays.node_count)
    for peak in peaks:
        node_id = node_of.get(peak.transformer_id)
        if node_id is not None:
            node_load[arrays.node_index(node_id)] += peak.peak_kw
    kv = dict(Feeder.objects.values_list("pk", "nominal_kv"))
    ampacity = np.array(list(Segment.objects.order_by("id").values_list("ampacity_a", flat=True)), dtype=float)
    kv_per_segment = np.array([float(kv[f]) for f in arrays.segment_feeder.tolist()])
    return loading_classes(live.through_load(node_load), kv_per_segment, ampacity, live.segment_energized)
