"""Print the size of the stored network: counts per type, per-feeder summary and checksum."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from grid.selectors.network import device_counts_by_kind, feeder_summaries, network_checksum_from_db, network_counts


class Command(BaseCommand):
    help = "Counts per type, a per-feeder summary and the network checksum."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-feeders", action="store_true", help="skip the per-feeder table")

    def handle(self, *args: Any, no_feeders: bool, **options: Any) -> None:
        counts = network_counts()
        for name, count in counts.items():
            self.stdout.write(f"{name:>15}: {count:,}")
        for kind, count in device_counts_by_kind().items():
            self.stdout.write(f"{'devices/' + kind:>22}: {count:,}")
        if not no_feeders:
            self.stdout.write("")
            self.stdout.write(
                f"{'feeder':<12}{'substation':<11}{'kV':>6}{'segments':>9}{'km':>7}{'xfmrs':>7}{'meters':>8}"
                f"{'customers':>10}{'devices':>8}{'ties':>5}"
            )
            for f in feeder_summaries():
                self.stdout.write(
                    f"{f.code:<12}{f.substation:<11}{f.nominal_kv:>6.2f}{f.segments:>9,}{f.length_km:>7.1f}"
                    f"{f.transformers:>7,}{f.service_points:>8,}{f.customers:>10,}{f.devices:>8,}{f.ties:>5}"
                )
        self.stdout.write(f"checksum: {network_checksum_from_db()}")
