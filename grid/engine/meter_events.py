"""Parsing and validation of meter event batches (API JSON, JSONL and CSV files), pure.

A row is `{"meter_id": "M00001234", "type": "power_off" | "power_on", "timestamp": ISO 8601 with
time zone}`. Every malformed row is reported with its line (or index) and reason; valid rows
are kept so one bad line never loses the rest of a batch.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from grid.constants import normalise_code

EVENT_TYPES = ("power_off", "power_on")


@dataclass(frozen=True)
class ParsedEvent:
    """A valid meter event row."""

    line: int
    meter_id: str
    kind: str
    occurred_at: datetime


@dataclass(frozen=True)
class RowError:
    """Why one row was rejected."""

    line: int
    message: str


def validate_row(line: int, row: object) -> ParsedEvent | RowError:
    """One row -> a ParsedEvent, or a RowError saying what is wrong."""
    if not isinstance(row, dict):
        return RowError(line, "expected an object with meter_id, type and timestamp")
    missing = [name for name in ("meter_id", "type", "timestamp") if not row.get(name)]
    if missing:
        return RowError(line, f"missing {', '.join(missing)}")
    meter_id, kind, stamp = row["meter_id"], row["type"], row["timestamp"]
    if not isinstance(meter_id, str) or len(meter_id) > 16:
        return RowError(line, "meter_id must be a meter id string")
    if kind not in EVENT_TYPES:
        return RowError(line, f"type must be power_off or power_on, got {kind!r}")
    try:
        occurred_at = datetime.fromisoformat(str(stamp).replace("Z", "+00:00"))
    except ValueError:
        return RowError(line, f"timestamp {stamp!r} is not ISO 8601")
    if occurred_at.tzinfo is None:
        return RowError(line, f"timestamp {stamp!r} needs a time zone (for example Z or +00:00)")
    return ParsedEvent(line, normalise_code(meter_id), kind, occurred_at)


def split(results: Iterable[ParsedEvent | RowError]) -> tuple[list[ParsedEvent], list[RowError]]:
    events: list[ParsedEvent] = []
    errors: list[RowError] = []
    for result in results:
        if isinstance(result, ParsedEvent):
            events.append(result)
        else:
            errors.append(result)
    return events, errors


def parse_jsonl(text: str) -> tuple[list[ParsedEvent], list[RowError]]:
    """JSON Lines: one object per line; blank lines are skipped."""
    results: list[ParsedEvent | RowError] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            results.append(validate_row(number, json.loads(line)))
        except json.JSONDecodeError as exc:
            results.append(RowError(number, f"invalid JSON: {exc.msg}"))
    return split(results)


def parse_csv(text: str) -> tuple[list[ParsedEvent], list[RowError]]:
    """CSV with a header row naming meter_id, type and timestamp."""
    reader = csv.DictReader(io.StringIO(text))
    missing = {"meter_id", "type", "timestamp"} - set(reader.fieldnames or ())
    if missing:
        return [], [RowError(1, f"header lacks {', '.join(sorted(missing))}")]
    return split(validate_row(reader.line_num, dict(row)) for row in reader)
