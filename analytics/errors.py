"""Errors of the warehouse layer; each carries a message safe to show to a user."""

from __future__ import annotations


class WarehouseError(Exception):
    """Any failure of the warehouse layer; `message` is safe to show to a user."""

    message = "Analytics unavailable."

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail or self.message)
        if detail:
            self.message = detail


class WarehouseUnavailable(WarehouseError):
    """The warehouse cannot be reached (or the circuit breaker is open)."""

    message = "Analytics unavailable: the warehouse cannot be reached."


class WarehouseBusy(WarehouseUnavailable):
    """The embedded warehouse file is held by a writer (seeding or refresh)."""

    message = "Analytics unavailable for a moment: the analytics data is being refreshed. Try again shortly."


class WarehouseEmpty(WarehouseUnavailable):
    """The embedded warehouse has no data yet."""

    message = "No analytics data yet: run `python manage.py seed_ami` to load meter data."


class WarehouseTimeout(WarehouseError):
    """A query ran longer than its statement timeout."""

    message = "The analytics query took too long and was cancelled."


class QueryError(WarehouseError):
    """A bad query: unknown name, missing parameter, lossy translation or SQL error (not an outage)."""

    message = "The analytics query failed."
