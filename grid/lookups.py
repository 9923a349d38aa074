"""Network objects named by code in API requests, or a 404 that names what was not found."""

from __future__ import annotations

from ninja.errors import HttpError

from grid.models import Feeder


def feeder_or_404(code: str) -> Feeder:
    """The feeder with this code (any case)."""
    feeder = Feeder.objects.filter(code=code.upper()).first()
    if feeder is None:
        raise HttpError(404, f"Unknown feeder {code!r}.")
    return feeder
