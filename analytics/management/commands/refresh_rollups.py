"""Refresh the hourly and daily AMI rollups for the days loaded since the last refresh."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from analytics import services
from analytics.warehouse import WarehouseError
from fluxops.progress import ProgressBar


class Command(BaseCommand):
    help = (
        "Recompute the meter, transformer and feeder rollups (hourly and daily) of the days loaded since the "
        "last refresh. On Snowflake, the Dynamic Tables of `manage.py analytics_ddl` replace this command."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        progress = ProgressBar(sys.stderr if options["verbosity"] > 0 else None)
        try:
            report = services.rollups_refresh(progress=progress)
        except WarehouseError as exc:
            raise CommandError(exc.message) from None
        if report.days:
            self.stdout.write(
                f"Refreshed rollups for {len(report.days)} days ({report.days[0]} to {report.days[-1]}) "
                f"in {report.seconds:.1f} s; data version {report.batch}"
            )
        else:
            self.stdout.write("Rollups are up to date; nothing to refresh.")
