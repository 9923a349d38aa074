"""Run `migrate` under a PostgreSQL advisory lock, so instances starting together never migrate at once."""

from __future__ import annotations

import time
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections

# Fixed advisory lock key ("fluxmigr" as a 64-bit integer). Advisory locks are per database, so
# this only serialises migrations of the same database.
LOCK_KEY = int.from_bytes(b"fluxmigr", "big") - 2**63


class Command(BaseCommand):
    help = (
        "Apply migrations once across instances: waits for a PostgreSQL advisory lock, then runs migrate "
        "(later instances find nothing to do). On SQLite it runs plain migrate."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="database alias (default: default)")
        parser.add_argument(
            "--timeout", type=float, default=600.0, help="seconds to wait for the lock before failing (default 600)"
        )

    def handle(self, *args: Any, database: str, timeout: float, **options: Any) -> None:
        connection = connections[database]
        verbosity = options["verbosity"]
        if connection.vendor != "postgresql":
            self.stdout.write(f"{connection.vendor}: no advisory locks, running migrate directly")
            call_command("migrate", database=database, interactive=False, verbosity=verbosity)
            return
        deadline = time.monotonic() + timeout
        # A session-level lock on the connection migrate itself uses: released by the unlock below,
        # or by PostgreSQL if this process dies half-way.
        with connection.cursor() as cursor:
            while True:
                cursor.execute("SELECT pg_try_advisory_lock(%s)", [LOCK_KEY])
                if cursor.fetchone()[0]:
                    break
                if time.monotonic() >= deadline:
                    raise CommandError(f"another instance held the migration lock for more than {timeout:g} s")
                self.stdout.write("waiting for another instance to finish migrating")
                time.sleep(min(1.0, max(0.05, deadline - time.monotonic())))
        try:
            self.stdout.write("migration lock acquired")
            call_command("migrate", database=database, interactive=False, verbosity=verbosity)
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])
