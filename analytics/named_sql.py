"""The named queries: one Snowflake-dialect file per query in analytics/sql/, translated for DuckDB.

Queries take `:name` parameters. The DuckDB translation (sqlglot, cached) raises on anything sqlglot
cannot translate without changing its meaning; Snowflake gets client-side `%(name)s` binding.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel, SqlglotError

from analytics.errors import QueryError

SQL_DIR = Path(__file__).resolve().parent / "sql"
WRITE_SQL_DIR = SQL_DIR / "write"
QUERY_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class NamedQuery:
    """One named Snowflake-dialect statement and the parameters it takes."""

    name: str
    snowflake_sql: str
    params: frozenset[str]

    @functools.cached_property
    def duckdb_sql(self) -> str:
        """The statement translated to DuckDB (`$name` parameters); raises QueryError when lossy."""
        return translate(self.snowflake_sql)

    @functools.cached_property
    def pyformat_sql(self) -> str:
        """The statement for the Snowflake connector's client-side binding (`%(name)s`)."""
        tree = _parse(self.snowflake_sql)
        return tree.transform(
            lambda node: exp.var(f"%({node.name})s") if isinstance(node, exp.Placeholder) and node.name else node
        ).sql(dialect="snowflake", comments=False)


def _parse(sql: str) -> exp.Expr:
    try:
        statements = [s for s in sqlglot.parse(sql, read="snowflake") if s is not None]
    except SqlglotError as exc:
        raise QueryError(f"SQL does not parse: {exc}") from None
    if len(statements) != 1:
        raise QueryError(f"one statement per query expected, found {len(statements)}")
    return statements[0]


def translate(sql: str) -> str:
    """Snowflake SQL as DuckDB SQL; QueryError when the translation would be lossy."""
    tree = _parse(sql)
    try:
        return tree.sql(dialect="duckdb", unsupported_level=ErrorLevel.RAISE)
    except SqlglotError as exc:
        raise QueryError(f"SQL cannot be translated to DuckDB without changing its meaning: {exc}") from None


def _load(path: Path, name: str) -> NamedQuery:
    text = path.read_text()
    tree = _parse(text)
    names = frozenset(p.name for p in tree.find_all(exp.Placeholder) if p.name)
    if any(isinstance(node, exp.Mod) or (isinstance(node, exp.Literal) and "%" in node.name) for node in tree.walk()):
        raise QueryError(f"{name}: '%' is not allowed in queries (it clashes with pyformat binding); use MOD()")
    return NamedQuery(name=name, snowflake_sql=text.strip().rstrip(";"), params=names)


@functools.cache
def named_query(name: str) -> NamedQuery:
    """The registered read query `name` (a file analytics/sql/<name>.sql)."""
    if not QUERY_NAME.match(name) or not (SQL_DIR / f"{name}.sql").is_file():
        raise QueryError(f"unknown query {name!r}")
    return _load(SQL_DIR / f"{name}.sql", name)


@functools.cache
def write_statements(name: str) -> tuple[NamedQuery, ...]:
    """The statements of the writer script analytics/sql/write/<name>.sql, in order."""
    path = WRITE_SQL_DIR / f"{name}.sql"
    if not QUERY_NAME.match(name) or not path.is_file():
        raise QueryError(f"unknown write script {name!r}")
    try:
        trees = [t for t in sqlglot.parse(path.read_text(), read="snowflake") if t is not None]
    except SqlglotError as exc:
        raise QueryError(f"{name}: SQL does not parse: {exc}") from None
    out = []
    for index, tree in enumerate(trees):
        text = tree.sql(dialect="snowflake")
        names = frozenset(p.name for p in tree.find_all(exp.Placeholder) if p.name)
        out.append(NamedQuery(name=f"{name}[{index}]", snowflake_sql=text, params=names))
    return tuple(out)


def registered_queries() -> list[str]:
    """Names of every registered read query."""
    return sorted(path.stem for path in SQL_DIR.glob("*.sql"))


def bind(query: NamedQuery, params: Mapping[str, object]) -> dict[str, object]:
    """The parameters `query` takes, from `params`; QueryError when one is missing."""
    missing = query.params - params.keys()
    if missing:
        raise QueryError(f"{query.name}: missing parameters {sorted(missing)}")
    return {key: params[key] for key in query.params}
