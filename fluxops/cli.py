"""Argument types shared by the management commands (argparse names the type in its error message)."""

from __future__ import annotations


def non_negative_int(value: str) -> int:
    number = int(value)
    if number < 0:
        raise ValueError(value)
    return number
