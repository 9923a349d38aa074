"""Generate a multi-year outage history on the stored network (see grid/history.py)."""

from __future__ import annotations

import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from fluxops.cli import non_negative_int
from fluxops.progress import ProgressBar
from grid.models import Outage, OutageArea, RestorationStep
from grid.services.errors import ServiceError
from grid.services.history import history_seed


def positive_years(value: str) -> int:
    years = int(value)
    if not 1 <= years <= 20:
        raise ValueError(value)
    return years


class Command(BaseCommand):
    help = "Generate closed outages for --years full years and the current year to date (deterministic by seed)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--years", type=positive_years, default=5, help="full years before this one, 1-20 (default 5)"
        )
        parser.add_argument("--seed", type=non_negative_int, default=1, help="random seed, >= 0 (default 1)")
        parser.add_argument("--reset", action="store_true", help="replace an existing history")
        parser.add_argument("--if-empty", action="store_true", help="do nothing when a history exists")

    def handle(self, *args: Any, years: int, seed: int, reset: bool, if_empty: bool, **options: Any) -> None:
        if if_empty and Outage.objects.filter(source=Outage.Source.HISTORY).exists():
            self.stdout.write("Outage history already seeded; nothing to do.")
            return
        started = time.perf_counter()
        progress = ProgressBar(sys.stderr if options["verbosity"] > 0 else None)
        try:
            count = history_seed(years=years, seed=seed, reset=reset, progress=progress)
        except ServiceError as exc:
            raise CommandError(str(exc)) from None
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            # A bulk load leaves no statistics and no visibility map (autovacuum may be off or a minute
            # away): without them the planner cannot use the covering indexes of the reliability sums.
            models = (Outage, OutageArea, RestorationStep)
            tables = ", ".join(connection.ops.quote_name(model._meta.db_table) for model in models)
            with connection.cursor() as cursor:
                cursor.execute(f"VACUUM (ANALYZE) {tables}")
        self.stdout.write(f"Seeded {count:,} historic outages in {time.perf_counter() - started:.1f} s")
