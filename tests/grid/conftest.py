"""Fixtures of the grid tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from grid import network_state


@pytest.fixture
def fresh_network_cache() -> Iterator[None]:
    """The topology cache lives per process, the data per test: each test sees its own network state."""
    network_state.clear_cache()
    yield
    network_state.clear_cache()
