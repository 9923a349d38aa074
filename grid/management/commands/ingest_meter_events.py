"""Ingest meter power-off / power-on messages from a JSONL or CSV file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from grid.engine.meter_events import parse_csv, parse_jsonl
from grid.services.meter_events import meter_events_ingest


class Command(BaseCommand):
    help = "Store meter events from a file (JSONL or CSV: meter_id,type,timestamp) and re-run outage prediction."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="file with one event per line (.jsonl or .csv)")
        parser.add_argument("--format", choices=("jsonl", "csv"), help="default: from the file extension")

    def handle(self, *args: Any, path: str, format: str | None, **options: Any) -> None:
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"No such file: {path}")
        kind = format or {".jsonl": "jsonl", ".json": "jsonl", ".csv": "csv"}.get(file.suffix.lower())
        if kind is None:
            raise CommandError("Cannot tell the format from the extension; pass --format jsonl or --format csv.")
        try:
            text = file.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise CommandError(f"{path} is not UTF-8 text: {exc}") from None
        events, errors = (parse_jsonl if kind == "jsonl" else parse_csv)(text)
        result = meter_events_ingest(events=events, errors=errors)
        for error in sorted(result.errors, key=lambda e: e.line):
            self.stderr.write(f"line {error.line}: {error.message}")
        self.stdout.write(
            f"stored {result.stored}, duplicates {result.duplicates}, rejected {len(result.errors)}; "
            f"outages updated: {len(result.outages)}"
        )
