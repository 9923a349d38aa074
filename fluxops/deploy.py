"""Rendering of the SPCS deployment: the service spec and the SQL under deploy/ for given names."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from django.conf import settings

from analytics.ddl import DDL_DIR, IDENTIFIER, DDLError, dynamic_table_ddl, target_lag_sql
from fluxops.spcs_config import parse_role_map

SPEC_PATH = settings.BASE_DIR / "service_spec.yaml"
SQL_DIR = settings.BASE_DIR / "deploy"
SERVICE_ROLE = "app_user"

_HOST = re.compile(r"^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$")
_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
_PLACEHOLDER = re.compile(r"\{\{\s*(\w+)\s*\}\}")


class DeployError(ValueError):
    """A deployment parameter is invalid or a template cannot be rendered."""


def identifier(value: str, what: str) -> str:
    """A plain Snowflake identifier (no quoting needed, nothing to inject), else DeployError."""
    if not IDENTIFIER.fullmatch(value):
        raise DeployError(f"{what} must be a plain identifier (letters, digits, _ and $), got {value!r}")
    return value


@dataclass(frozen=True)
class DeployNames:
    """Names and sizes of one deployment; validated on creation."""

    postgres_host: str
    grant_roles: tuple[str, ...]
    database: str = "FLUXOPS"
    schema: str = "APP"
    service: str = "FLUXOPS"
    image_repository: str = "IMAGES"
    image_name: str = "fluxops"
    image_tag: str = "latest"
    compute_pool: str = "FLUXOPS_POOL"
    instance_family: str = "CPU_X64_S"
    warehouse: str = "FLUXOPS_WH"
    owner_role: str = "FLUXOPS_OWNER"
    admin_role: str = "ACCOUNTADMIN"
    external_access_integration: str = "FLUXOPS_POSTGRES_ACCESS"
    postgres_port: int = 5432
    postgres_database: str = "fluxops"
    min_instances: int = 1
    max_instances: int = 2
    target_lag: str = "15 minutes"
    callers_rights: bool = False
    role_map: str = ""

    def __post_init__(self) -> None:
        for name in (
            "database", "schema", "service", "image_repository", "compute_pool", "instance_family", "warehouse",
            "owner_role", "admin_role", "external_access_integration", "postgres_database",
        ):  # fmt: skip
            identifier(getattr(self, name), name.replace("_", " "))
        if self.owner_role.upper() in {"ACCOUNTADMIN", "SECURITYADMIN", "ORGADMIN"}:
            raise DeployError("a service cannot be owned by a privileged role; name a dedicated owner role")
        if not self.grant_roles:
            raise DeployError("name at least one role to grant access to (--grant-role)")
        for role in self.grant_roles:
            identifier(role, "grant role")
            if role.upper() == "PUBLIC":
                raise DeployError("access is granted to named roles only, never PUBLIC")
        if not _HOST.match(self.postgres_host):
            raise DeployError(f"postgres host must be a host name, got {self.postgres_host!r}")
        if not 0 < self.postgres_port < 65536:
            raise DeployError(f"postgres port out of range: {self.postgres_port}")
        if not _TAG.match(self.image_tag) or not _TAG.match(self.image_name):
            raise DeployError("image name and tag may hold letters, digits, '_', '.' and '-' only")
        try:
            target_lag_sql(self.target_lag)
        except DDLError as exc:
            raise DeployError(str(exc)) from None
        if self.min_instances < 1:
            raise DeployError("MIN_INSTANCES must be at least 1: a cold start takes 30-45 s")
        if self.max_instances < self.min_instances:
            raise DeployError("MAX_INSTANCES must be >= MIN_INSTANCES")
        try:
            parse_role_map(self.role_map)
        except Exception as exc:
            raise DeployError(str(exc)) from None

    @property
    def image(self) -> str:
        """Image path inside the account's registry (repository URLs are lower case)."""
        path = f"/{self.database}/{self.schema}/{self.image_repository}/{self.image_name}".lower()
        return f"{path}:{self.image_tag}"


def render_spec(names: DeployNames, spec_path: Path = SPEC_PATH) -> str:
    """service_spec.yaml with this deployment's image, database URL, role map and caller's rights."""
    spec = yaml.safe_load(spec_path.read_text())
    container = spec["spec"]["containers"][0]
    container["image"] = names.image
    env = container.setdefault("env", {})
    env["DATABASE_URL"] = (
        f"postgres://{names.postgres_host}:{names.postgres_port}/{names.postgres_database}?sslmode=require"
    )
    env["SPCS_CALLERS_RIGHTS"] = "true" if names.callers_rights else "false"
    env["SPCS_ROLE_MAP"] = names.role_map
    spec.setdefault("capabilities", {}).setdefault("securityContext", {})["executeAsCaller"] = names.callers_rights
    text = yaml.safe_dump(spec, sort_keys=False, default_flow_style=False, width=120)
    if "$$" in text:
        raise DeployError("the specification may not contain '$$' (it is inlined between $$ quotes)")
    return text


def fill(template: str, context: dict[str, object], source: str) -> str:
    """Replace `{{ name }}` placeholders; an unknown name is an error, never left in place."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in context:
            raise DeployError(f"{source}: unknown placeholder {match.group(0)}")
        return str(context[name])

    return _PLACEHOLDER.sub(value, template)


def analytics_ddl(names: DeployNames, directory: Path = DDL_DIR) -> str:
    """The analytics Dynamic Tables (analytics.ddl) for this warehouse and lag, or a comment when there are none."""
    try:
        statements = dynamic_table_ddl(warehouse=names.warehouse, target_lag=names.target_lag, directory=directory)
    except DDLError as exc:
        raise DeployError(str(exc)) from None
    if not statements:
        return "-- No analytics DDL: analytics/sql/snowflake/ holds no .sql files."
    return "\n\n".join(f"-- analytics/sql/snowflake/{name}\n{sql}" for name, sql in statements)


def grants(names: DeployNames) -> str:
    """USAGE on the database and schema and the service's endpoint role, for each named role."""
    lines = []
    for role in names.grant_roles:
        lines += [
            f"GRANT USAGE ON DATABASE {names.database} TO ROLE {role};",
            f"GRANT USAGE ON SCHEMA {names.database}.{names.schema} TO ROLE {role};",
            f"GRANT SERVICE ROLE {names.database}.{names.schema}.{names.service}!{SERVICE_ROLE} TO ROLE {role};",
        ]
    return "\n".join(lines)


def render_sql(
    names: DeployNames, sql_dir: Path = SQL_DIR, spec_path: Path = SPEC_PATH, analytics_dir: Path = DDL_DIR
) -> str:
    """The whole deployment script: deploy/*.sql in name order, filled in for these names."""
    context: dict[str, object] = {
        key: getattr(names, key)
        for key in (
            "database", "schema", "service", "image_repository", "compute_pool", "instance_family", "warehouse",
            "owner_role", "admin_role", "external_access_integration", "postgres_host", "postgres_port",
            "min_instances", "max_instances",
        )
    }  # fmt: skip
    context["specification"] = render_spec(names, spec_path)
    context["grants"] = grants(names)
    context["analytics_ddl"] = analytics_ddl(names, analytics_dir)
    parts = [
        f"-- Flux Operations Center on Snowpark Container Services: {names.database}.{names.schema}.{names.service}"
    ]
    for path in sorted(sql_dir.glob("*.sql")):
        parts.append(f"-- deploy/{path.name}\n" + fill(path.read_text(), context, path.name).rstrip())
    return "\n\n".join(parts) + "\n"
