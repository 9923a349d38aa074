"""The vocabulary of the network and of outages, defined once (pure Python: the engine imports it).

Models take their choices from here; the engine, selectors, services and the map read the same
names. Lifecycle states that only the records use (outage states, crew and work order statuses)
stay on their models, with their groupings (`Outage.ACTIVE_STATES`, `Crew.BUSY_STATUSES`, ...).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Literal, NamedTuple

# Device kinds, value -> label, in the order the map encodes them.
DEVICE_KINDS: dict[str, str] = {
    "breaker": "Breaker",
    "recloser": "Recloser",
    "fuse": "Fuse",
    "sectionalizer": "Sectionalizer",
    "switch": "Switch",
}
# Devices that interrupt fault current: the upstream protection of an asset. A sectionalizer only
# opens in a recloser's dead time and a switch only under an operator, so neither is protection.
PROTECTIVE_KINDS: frozenset[str] = frozenset({"breaker", "recloser", "fuse"})
# Devices an outage prediction may sit at: the ones that operate on a fault by themselves.
ROLL_UP_KINDS: frozenset[str] = PROTECTIVE_KINDS

CUSTOMER_CLASS_LABELS: dict[str, str] = {
    "residential": "Residential",
    "commercial": "Commercial",
    "industrial": "Industrial",
}
# The classes in their fixed order: the column order of per-class customer arrays.
CUSTOMER_CLASSES: tuple[str, ...] = tuple(CUSTOMER_CLASS_LABELS)


class Conductor(NamedTuple):
    """A conductor of the catalogue: its label and ampacity (A), overhead, 75 C."""

    label: str
    ampacity_a: int


# The conductor catalogue the generator builds from, by code.
CONDUCTORS: dict[str, Conductor] = {
    "795 AAC": Conductor("795 kcmil AAC", 900),
    "477 ACSR": Conductor("477 kcmil ACSR", 670),
    "4/0 ACSR": Conductor("4/0 ACSR", 340),
    "1/0 ACSR": Conductor("1/0 ACSR", 230),
    "#2 ACSR": Conductor("#2 ACSR", 180),
}

PHASES: dict[str, str] = {"ABC": "Three-phase", "A": "Phase A", "B": "Phase B", "C": "Phase C"}

# What an outage is located at besides a device kind.
TRANSFORMER_LEVEL = "transformer"
SERVICE_LEVEL = "service"

# Default estimated restoration time by what is out (a device kind, "transformer" or "service").
DEFAULT_ETR: dict[str, timedelta] = {
    "breaker": timedelta(hours=4),
    "recloser": timedelta(hours=3),
    "sectionalizer": timedelta(hours=3),
    "switch": timedelta(hours=3),
    "fuse": timedelta(hours=2, minutes=30),
    TRANSFORMER_LEVEL: timedelta(hours=3),
    SERVICE_LEVEL: timedelta(hours=2),
}
FALLBACK_ETR = timedelta(hours=3)

# An outage's area keys name what its customers hang on: "d<device id>", "t<transformer id>" or
# "s<service point id>". Outage.areas, OutageArea.area and the reliability sums all use them.
AreaKind = Literal["d", "t", "s"]
DEVICE_AREA: AreaKind = "d"
TRANSFORMER_AREA: AreaKind = "t"
SERVICE_AREA: AreaKind = "s"


def area_key(kind: AreaKind, pk: int) -> str:
    """The area key of a device, transformer or service point."""
    return f"{kind}{int(pk)}"


def parse_area_key(key: str) -> tuple[AreaKind, int]:
    """(kind, id) of an area key; ValueError for anything else."""
    kind, number = key[:1], key[1:]
    if kind not in (DEVICE_AREA, TRANSFORMER_AREA, SERVICE_AREA) or not number.isdigit():
        raise ValueError(f"Not an area key: {key!r}.")
    return kind, int(number)


def normalise_code(code: str) -> str:
    """Asset codes and meter ids as stored: upper case, no surrounding blanks (lookups accept any case)."""
    return code.strip().upper()
