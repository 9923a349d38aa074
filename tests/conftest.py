"""Shared fixtures: a small generated network seeded once per session, and a cast of users."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User

from grid.engine.synthetic import Network, generate
from grid.services.network import network_seed

SMALL_SEED = 7


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run browser tests last: live_server needs a transactional database, which is flushed afterwards."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.fixture(scope="session")
def small_network_rows() -> Network:
    """The small network as generated (pure rows, no database)."""
    return generate("small", SMALL_SEED)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, small_network_rows: Network) -> None:
    """Seed the small network once into the test database; each test runs in a rolled-back transaction."""
    with django_db_blocker.unblock():
        network_seed(network=small_network_rows)


@pytest.fixture
def small_network(db, small_network_rows: Network) -> Network:
    """The seeded small network (database access enabled)."""
    return small_network_rows


def _user(username: str, role: str | None, **extra: object) -> User:
    user = User.objects.create_user(username=username, password="not-a-real-password-1", **extra)
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def viewer(db) -> User:
    return _user("vera-viewer", "viewer")


@pytest.fixture
def operator(db) -> User:
    return _user("otto-operator", "operator")


@pytest.fixture
def admin_user(db) -> User:
    return _user("ada-admin", "admin", is_staff=True, is_superuser=True)


@pytest.fixture
def outsider(db) -> User:
    return _user("olga-outsider", None)
