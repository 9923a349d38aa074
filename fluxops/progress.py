"""A minimal progress bar for management commands, written to stderr."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TextIO

ProgressCallback = Callable[[str, int, int], None]


class ProgressBar:
    """Draws `phase [#####.....] done/total` on one line per phase; quiet when `stream` is None."""

    def __init__(self, stream: TextIO | None = sys.stderr, width: int = 30) -> None:
        self.stream = stream
        self.width = width
        self.phase: str | None = None

    def __call__(self, phase: str, done: int, total: int) -> None:
        if self.stream is None:
            return
        if phase != self.phase and self.phase is not None:
            self.stream.write("\n")
        self.phase = phase
        filled = self.width if total == 0 else self.width * done // total
        self.stream.write(f"\r{phase:<16} [{'#' * filled}{'.' * (self.width - filled)}] {done:>9,}/{total:,}")
        if done >= total:
            self.stream.write("\n")
            self.phase = None
        self.stream.flush()
