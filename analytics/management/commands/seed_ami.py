"""Generate 15-minute AMI readings for every meter of the stored network into the warehouse."""

from __future__ import annotations

import datetime as dt
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from analytics import ami, services
from analytics.warehouse import WarehouseError
from fluxops.cli import non_negative_int
from fluxops.progress import ProgressBar
from grid.selectors.network import network_is_seeded

MAX_DAYS = 400


def day_count(value: str) -> int:
    days = int(value)
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(value)
    return days


def iso_date(value: str) -> dt.date:
    return dt.date.fromisoformat(value)


class Command(BaseCommand):
    help = (
        "Write deterministic 15-minute kWh and voltage readings for every meter into the warehouse "
        "(re-running a day replaces it), then refresh the rollups."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=day_count, default=14, help=f"days to generate, 1-{MAX_DAYS} (default 14)")
        parser.add_argument(
            "--start", type=iso_date, default=None, help="first day, YYYY-MM-DD (default: the DAYS days before today)"
        )
        parser.add_argument("--seed", type=non_negative_int, default=1, help="random seed, >= 0 (default: 1)")
        parser.add_argument("--no-refresh", action="store_true", help="do not refresh the rollups afterwards")

    def handle(self, *args: Any, days: int, start: dt.date | None, seed: int, no_refresh: bool, **options: Any) -> None:
        if not network_is_seeded():
            raise CommandError("The network is empty: run `python manage.py seed_grid` first.")
        start = start or ami.default_start(days)
        progress = ProgressBar(sys.stderr if options["verbosity"] > 0 else None)
        try:
            report = services.ami_seed(start=start, days=days, seed=seed, progress=progress)
            self.stdout.write(
                f"Wrote {report.rows:,} readings for {report.meters:,} meters, {start} + {days} days "
                f"({report.backend}) in {report.seconds:.1f} s: {report.rows_per_s:,} rows/s"
            )
            if not no_refresh:
                refreshed = services.rollups_refresh(progress=progress)
                self.stdout.write(f"Refreshed rollups for {len(refreshed.days)} days in {refreshed.seconds:.1f} s")
        except WarehouseError as exc:
            raise CommandError(exc.message) from None
