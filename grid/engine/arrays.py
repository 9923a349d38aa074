"""Names for the engine's numpy array types (the dtype is part of the type; the shape is not)."""

import numpy as np
import numpy.typing as npt

# Database ids, positions into other arrays (-1 for none) and counts.
type IntArray = npt.NDArray[np.int64]
# Per-element flags and masks.
type BoolArray = npt.NDArray[np.bool_]
# Coordinates, loads and other measures.
type FloatArray = npt.NDArray[np.float64]
# One byte per element: the map's status codes and loading classes.
type ByteArray = npt.NDArray[np.uint8]
