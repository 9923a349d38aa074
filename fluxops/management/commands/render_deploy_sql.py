"""Print (or write, or run through the Snowflake CLI) the SPCS deployment SQL for given names."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from analytics.ddl import LAG_FORMS
from fluxops.deploy import DeployError, DeployNames, render_sql

# Snowflake CLI variables the secrets script expects, and the environment variables holding them.
SECRET_VARIABLES = {
    "django_secret_key": "DEPLOY_DJANGO_SECRET_KEY",
    "postgres_user": "DEPLOY_POSTGRES_USER",
    "postgres_password": "DEPLOY_POSTGRES_PASSWORD",
    "metrics_token": "DEPLOY_METRICS_TOKEN",
}


class Command(BaseCommand):
    help = (
        "Render deploy/*.sql and service_spec.yaml for the given names. Default (--dry-run): print the SQL. "
        "--output writes it to a file; --execute runs it with the Snowflake CLI (`snow sql`), taking the "
        f"secret values from {', '.join(SECRET_VARIABLES.values())}."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        defaults = DeployNames(postgres_host="localhost", grant_roles=("X",))
        parser.add_argument("--postgres-host", required=True, help="PostgreSQL host the service connects to")
        parser.add_argument("--postgres-port", type=int, default=defaults.postgres_port)
        parser.add_argument("--postgres-database", default=defaults.postgres_database)
        parser.add_argument(
            "--grant-role", action="append", required=True, dest="grant_roles",
            help="Snowflake role allowed to open the app (repeat for several; never PUBLIC)",
        )  # fmt: skip
        for option in (
            "database", "schema", "service", "image_repository", "image_name", "image_tag", "compute_pool",
            "instance_family", "warehouse", "owner_role", "admin_role", "external_access_integration",
        ):  # fmt: skip
            parser.add_argument(f"--{option.replace('_', '-')}", default=getattr(defaults, option))
        parser.add_argument("--min-instances", type=int, default=defaults.min_instances)
        parser.add_argument("--max-instances", type=int, default=defaults.max_instances)
        parser.add_argument(
            "--callers-rights", action="store_true",
            help="executeAsCaller in the spec and SPCS_CALLERS_RIGHTS=true: warehouse queries may run as the caller",
        )  # fmt: skip
        parser.add_argument(
            "--target-lag", default=defaults.target_lag,
            help=f"TARGET_LAG of the analytics Dynamic Tables: {LAG_FORMS} (default: %(default)s)",
        )  # fmt: skip
        parser.add_argument("--role-map", default="", help="SPCS_ROLE_MAP for the service, e.g. 'ALICE:admin'")
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--dry-run", action="store_true", default=True, help="print the SQL (default)")
        mode.add_argument("--output", type=Path, help="write the SQL to this file instead of printing it")
        mode.add_argument("--execute", action="store_true", help="run the SQL with `snow sql` (Snowflake CLI)")
        parser.add_argument("--snow", default="snow", help="Snowflake CLI executable for --execute")
        parser.add_argument("--connection", help="Snowflake CLI connection name for --execute")

    def handle(self, *args: Any, **options: Any) -> None:
        fields = set(DeployNames.__dataclass_fields__)
        try:
            names = DeployNames(
                **{key: options[key] for key in fields if key != "grant_roles"},
                grant_roles=tuple(options["grant_roles"]),
            )
            sql = render_sql(names)
        except DeployError as exc:
            raise CommandError(str(exc)) from None
        if options["output"]:
            options["output"].write_text(sql)
            self.stderr.write(f"wrote {options['output']}")
        elif options["execute"]:
            self._execute(sql, options["snow"], options["connection"])
        else:
            self.stdout.write(sql, ending="")

    def _execute(self, sql: str, snow: str, connection: str | None) -> None:
        """Run the script with the Snowflake CLI, passing secret values as its template variables."""
        executable = shutil.which(snow)
        if executable is None:
            raise CommandError(f"Snowflake CLI {snow!r} not found; use --output and run the file yourself")
        missing = [env for env in SECRET_VARIABLES.values() if not os.environ.get(env)]
        if missing:
            raise CommandError(f"set {', '.join(missing)} before --execute (the secrets' values)")
        with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as handle:
            handle.write(sql)
        command = [executable, "sql", "-f", handle.name]
        if connection:
            command += ["--connection", connection]
        for variable, env in SECRET_VARIABLES.items():
            command += ["-D", f"{variable}={os.environ[env]}"]
        try:
            result = subprocess.run(command, check=False)
        finally:
            Path(handle.name).unlink(missing_ok=True)
        if result.returncode != 0:
            raise CommandError(f"snow sql failed with exit code {result.returncode}")
