"""Writes of the network model itself: seeding, clearing, version bumps."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import NamedTuple

from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Model

from fluxops.progress import ProgressCallback
from grid.engine.synthetic import Network
from grid.models import (
    Device,
    Feeder,
    MeterEvent,
    NetworkVersion,
    Node,
    Outage,
    OutageArea,
    OutageEvent,
    RestorationStep,
    Segment,
    ServicePoint,
    Substation,
    SwitchingOperation,
    Transformer,
    WorkOrder,
)
from grid.selectors.network import NETWORK_TABLE_MODELS, network_is_seeded

BATCH_SIZE = 5_000

# Seed phases (phase, table) in an order that respects foreign keys; feeders are written before their
# head breakers exist and linked to them at the end.
_SEED_ORDER: tuple[tuple[str, str], ...] = (
    ("substations", "substations"),
    ("bus nodes", "nodes"),
    ("feeders", "feeders"),
    ("nodes", "nodes"),
    ("segments", "segments"),
    ("devices", "devices"),
    ("transformers", "transformers"),
    ("service points", "service_points"),
)

NETWORK_MODELS: tuple[type[Model], ...] = (ServicePoint, Transformer, Device, Segment, Node, Feeder, Substation)
# Operational records that point into the network; a reset removes them with it.
OPERATION_MODELS: tuple[type[Model], ...] = (
    MeterEvent,
    RestorationStep,
    OutageEvent,
    OutageArea,
    SwitchingOperation,
    WorkOrder,
    Outage,
)


class NetworkNotEmpty(Exception):
    """Raised when seeding would mix a new network into an existing one."""


def _rows_for(network: Network, phase: str) -> Sequence[NamedTuple]:
    if phase == "bus nodes":
        return [node for node in network.nodes if node.kind == "bus"]
    if phase == "nodes":
        return [node for node in network.nodes if node.kind != "bus"]
    if phase == "feeders":  # the head breakers do not exist yet
        return [feeder._replace(head_breaker_id=None) for feeder in network.feeders]
    rows: list[NamedTuple] = getattr(network, phase.replace(" ", "_"))
    return rows


@transaction.atomic
def network_seed(*, network: Network, reset: bool = False, progress: ProgressCallback | None = None) -> None:
    """Write a generated network; refuses a non-empty network unless `reset` clears it first."""
    if network_is_seeded():
        if not reset:
            raise NetworkNotEmpty("The network is not empty; pass --reset to replace it (this deletes it).")
        network_clear()
    report = progress or (lambda phase, done, total: None)
    for phase, table in _SEED_ORDER:
        model = NETWORK_TABLE_MODELS[table]
        rows = _rows_for(network, phase)
        report(phase, 0, len(rows))
        for start in range(0, len(rows), BATCH_SIZE):
            chunk = rows[start : start + BATCH_SIZE]
            model._default_manager.bulk_create([model(**row._asdict()) for row in chunk])
            report(phase, start + len(chunk), len(rows))
    head_breakers = [Feeder(id=feeder.id, head_breaker_id=feeder.head_breaker_id) for feeder in network.feeders]
    Feeder.objects.bulk_update(head_breakers, ["head_breaker_id"], batch_size=BATCH_SIZE)
    _reset_sequences()
    network_structure_changed()


@transaction.atomic
def network_clear() -> None:
    """Delete the whole network model and the operational records on it (crews stay).

    Feeders and bus nodes reference each other; the foreign keys are checked at commit.
    """
    Feeder.objects.update(head_breaker=None)
    with connection.cursor() as cursor:
        for model in OPERATION_MODELS + NETWORK_MODELS:
            # Table names come from the models, never from input.
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")
    network_structure_changed()


def _reset_sequences() -> None:
    """Explicit ids were inserted: move Postgres sequences past them (no-op on SQLite)."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(NETWORK_MODELS))
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def _new_stamp() -> int:
    """A fresh random version stamp: unlike a counter, a rolled-back bump is not reissued.

    31 bits: it travels in the map's uint32 status header and as a JavaScript number.
    """
    return secrets.randbits(31)


def network_structure_changed() -> None:
    """New structure stamp: cached graphs and map geometry are rebuilt."""
    NetworkVersion.objects.update_or_create(pk=1, defaults={"structure": _new_stamp(), "state": _new_stamp()})


def device_states_changed() -> None:
    """New state stamp: cached energization and map status are recomputed."""
    if not NetworkVersion.objects.filter(pk=1).update(state=_new_stamp()):
        network_structure_changed()
