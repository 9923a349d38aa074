"""Print or apply the deploy-time Snowflake DDL (Dynamic Tables for the AMI rollups)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from analytics.ddl import LAG_FORMS, DDLError, dynamic_table_ddl
from analytics.warehouse import SnowflakeWarehouse, WarehouseError, get_warehouse


class Command(BaseCommand):
    help = (
        "Create the Snowflake Dynamic Tables that keep the AMI rollups fresh. Prints the DDL with --dry-run; "
        "applies it to the Snowflake warehouse of WAREHOUSE_URL otherwise (base tables come from seed_ami)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="print the DDL, change nothing")
        parser.add_argument("--warehouse", help="refreshing warehouse (default: SNOWFLAKE_DT_WAREHOUSE)")
        parser.add_argument("--target-lag", help=f"{LAG_FORMS} (default: SNOWFLAKE_DT_TARGET_LAG)")

    def handle(self, *args: Any, dry_run: bool, warehouse: str | None, target_lag: str | None, **options: Any) -> None:
        try:
            statements = dynamic_table_ddl(warehouse=warehouse, target_lag=target_lag)
        except DDLError as exc:
            raise CommandError(str(exc)) from None
        if dry_run:
            for name, sql in statements:
                self.stdout.write(f"-- {name}\n{sql}\n")
            return
        target = get_warehouse()
        if not isinstance(target, SnowflakeWarehouse):
            raise CommandError(
                "Dynamic Tables exist only on Snowflake; WAREHOUSE_URL is the embedded DuckDB warehouse "
                "(use refresh_rollups there, or --dry-run to see the DDL)."
            )
        try:
            with target.writer() as writer:
                for name, sql in statements:
                    writer.native(sql)
                    self.stdout.write(f"applied {name}")
        except WarehouseError as exc:
            raise CommandError(exc.message) from None
        except Exception as exc:
            raise CommandError(f"Snowflake refused the DDL: {exc}") from None
