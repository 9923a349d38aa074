"""Errors the services raise with a message fit to show an operator."""

from __future__ import annotations


class ServiceError(Exception):
    """An operation that makes no sense in the current state; nothing was changed."""


class Conflict(ServiceError):
    """Someone else changed the record since it was read (optimistic locking); reload and retry."""
