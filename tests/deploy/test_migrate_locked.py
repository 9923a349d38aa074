"""The advisory-locked migration one-shot."""

from __future__ import annotations

import io

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from fluxops.management.commands.migrate_locked import LOCK_KEY

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="advisory locks are PostgreSQL's")


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("migrate_locked", *args, stdout=out, verbosity=0)
    return out.getvalue()


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the SQLite fallback")
def test_runs_plain_migrate_without_a_lock_on_sqlite(db) -> None:
    assert "sqlite: no advisory locks, running migrate directly" in _run()


def _other_session() -> psycopg.Connection:
    """A second database session, as another instance starting up would have."""
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    return psycopg.connect(**{key: value for key, value in params.items() if key != "prepare_threshold"})


@postgres_only
def test_migrates_under_the_lock_and_releases_it(db) -> None:
    assert "migration lock acquired" in _run()
    with _other_session() as other:
        # Free again: another instance can take it at once.
        assert other.execute("SELECT pg_try_advisory_lock(%s)", [LOCK_KEY]).fetchone()[0] is True


@postgres_only
def test_waits_for_another_instance_and_gives_up_after_the_timeout(db) -> None:
    with _other_session() as other:
        assert other.execute("SELECT pg_try_advisory_lock(%s)", [LOCK_KEY]).fetchone()[0] is True
        with pytest.raises(CommandError, match="held the migration lock"):
            _run("--timeout", "0.3")
        other.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])
    assert "migration lock acquired" in _run("--timeout", "5")
