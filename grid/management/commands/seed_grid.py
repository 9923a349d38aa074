"""Seed the synthetic distribution network (see grid/engine/synthetic.py for how it is laid out)."""

from __future__ import annotations

import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fluxops.cli import non_negative_int
from fluxops.progress import ProgressBar
from grid.engine.synthetic import SCALES, generate
from grid.selectors.network import network_is_seeded
from grid.services.crews import crews_seed
from grid.services.network import NetworkNotEmpty, network_seed


class Command(BaseCommand):
    help = "Generate and store a deterministic synthetic network around Houston."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scale", choices=sorted(SCALES), default="default", help="network size (default: default)"
        )
        parser.add_argument("--seed", type=non_negative_int, default=1, help="random seed, >= 0 (default: 1)")
        parser.add_argument("--reset", action="store_true", help="delete the existing network first")
        parser.add_argument("--if-empty", action="store_true", help="do nothing when a network exists")

    def handle(self, *args: Any, scale: str, seed: int, reset: bool, if_empty: bool, **options: Any) -> None:
        if if_empty and network_is_seeded():
            self.stdout.write("Network already seeded; nothing to do.")
            return
        started = time.perf_counter()
        network = generate(scale, seed)
        generated = time.perf_counter()
        progress = ProgressBar(sys.stderr if options["verbosity"] > 0 else None)
        try:
            network_seed(network=network, reset=reset, progress=progress)
        except NetworkNotEmpty as exc:
            raise CommandError(str(exc)) from None
        elapsed = time.perf_counter() - started
        counts = network.counts()
        rows = sum(counts.values())
        for name, count in counts.items():
            self.stdout.write(f"{name:>15}: {count:,}")
        self.stdout.write(
            f"Seeded scale={scale} seed={seed}: {rows:,} rows in {elapsed:.1f} s "
            f"(generate {generated - started:.1f} s, {rows / elapsed:,.0f} rows/s)"
        )
        crews = crews_seed()
        if crews:
            self.stdout.write(f"{'crews':>15}: {crews}")
        self.stdout.write(f"checksum: {network.checksum()}")
