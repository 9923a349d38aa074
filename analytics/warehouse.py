"""The only module that opens warehouse connections: Snowflake, or an embedded DuckDB file.

Queries are written once in Snowflake SQL, one file per named query in `analytics/sql/` with
`:name` parameters. The DuckDB backend translates them with sqlglot (cached, lossy translations
raise) and binds `$name`; the Snowflake backend binds them client-side as `%(name)s`.

DuckDB allows one writing process per file: web processes open it read-only for each query and
close it at once; writers (management commands) use `Warehouse.writer()`.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from analytics.errors import (
    QueryError,
    WarehouseBusy,
    WarehouseEmpty,
    WarehouseError,
    WarehouseTimeout,
    WarehouseUnavailable,
)
from analytics.named_sql import NamedQuery, bind, named_query, registered_queries, write_statements
from analytics.snowflake_auth import SnowflakeConfig, TokenFile, TokenFileError, parse_snowflake_url
from fluxops import metrics

if TYPE_CHECKING:
    import duckdb
    from snowflake.connector import SnowflakeConnection

__all__ = [
    "CircuitBreaker",
    "DuckDBWarehouse",
    "DuckDBWriter",
    "NamedQuery",
    "QueryError",
    "Result",
    "SnowflakeConfig",
    "SnowflakeWarehouse",
    "SnowflakeWriter",
    "Ticket",
    "WarehouseBusy",
    "WarehouseEmpty",
    "WarehouseError",
    "WarehouseTimeout",
    "WarehouseUnavailable",
    "build_warehouse",
    "get_warehouse",
    "named_query",
    "parse_snowflake_url",
    "registered_queries",
    "write_statements",
]

logger = logging.getLogger(__name__)


# -- results ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Result:
    """Rows of a query with lower-case column names."""

    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]
    elapsed_s: float = 0.0


def _log_query(name: str, query_id: str | None, elapsed: float | None) -> None:
    """One log line per warehouse query: its name, Snowflake query id and duration (JSON logs keep the fields)."""
    logger.info(
        "warehouse query %s%s%s",
        name,
        f" {query_id}" if query_id else "",
        "" if elapsed is None else f" {elapsed * 1000:.1f} ms",
        extra={
            "query": name,
            "query_id": query_id,
            "duration_ms": None if elapsed is None else round(elapsed * 1000, 1),
        },
    )


# -- circuit breaker ----------------------------------------------------------------------------
class CircuitBreaker:
    """Opens after `threshold` consecutive connectivity failures; after `cooldown` s one probe may close it."""

    def __init__(self, threshold: int, cooldown: float) -> None:
        self.threshold = threshold
        self.cooldown = cooldown
        self.failures = 0
        self.opened_at: float | None = None
        self._lock = threading.Lock()

    @property
    def state(self) -> str:
        """closed, open or half-open."""
        if self.opened_at is None:
            return "closed"
        return "half-open" if time.monotonic() - self.opened_at >= self.cooldown else "open"

    def before_call(self) -> bool:
        """Raise while open; return True when this call must first probe the warehouse (half-open)."""
        with self._lock:
            state = self.state
            if state == "open":
                raise WarehouseUnavailable()
            if state == "half-open":
                # Let one caller probe; others keep failing fast until it reports.
                self.opened_at = time.monotonic()
                return True
            return False

    def success(self) -> None:
        """A call reached the warehouse: close."""
        with self._lock:
            self.failures = 0
            self.opened_at = None

    def failure(self) -> None:
        """A connectivity failure: count it, open at the threshold."""
        with self._lock:
            self.failures += 1
            if self.failures >= self.threshold:
                self.opened_at = time.monotonic()


# -- backends -----------------------------------------------------------------------------------
@dataclass
class Ticket:
    """A query submitted to run in the background: a Snowflake query id or a local job id."""

    id: str
    backend: str


class Warehouse:
    """Common behaviour of both backends: the breaker, timeouts, background jobs."""

    backend = "abstract"

    def __init__(self) -> None:
        self.breaker = CircuitBreaker(settings.WAREHOUSE_BREAKER_FAILURES, settings.WAREHOUSE_BREAKER_COOLDOWN)
        self._jobs: dict[str, Future[Result]] = {}
        self._jobs_lock = threading.Lock()
        self._executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="warehouse-job")

    # Subclasses implement these.
    def _run(self, query: NamedQuery, params: dict[str, object], timeout: float) -> Result:
        raise NotImplementedError

    def _probe(self) -> None:
        raise NotImplementedError

    def _is_connectivity_error(self, exc: BaseException) -> bool:
        raise NotImplementedError

    def query(self, name: str, params: Mapping[str, object] | None = None, *, timeout: float | None = None) -> Result:
        """Run the named read query with its parameters and a statement timeout (seconds)."""
        query = named_query(name)
        bound = bind(query, params or {})
        return self._guarded(lambda: self._run(query, bound, timeout or settings.WAREHOUSE_QUERY_TIMEOUT))

    def _guarded[T](self, call: Callable[[], T]) -> T:
        if self.breaker.before_call():
            try:
                self._probe()
            except Exception as exc:
                self.breaker.failure()
                raise self._as_warehouse_error(exc) from exc
            self.breaker.success()
        try:
            result = call()
        except WarehouseError as exc:
            if isinstance(exc, WarehouseUnavailable) and not isinstance(exc, WarehouseBusy | WarehouseEmpty):
                self.breaker.failure()
            raise
        except Exception as exc:
            if self._is_connectivity_error(exc):
                self.breaker.failure()
            raise self._as_warehouse_error(exc) from exc
        self.breaker.success()
        return result

    def _as_warehouse_error(self, exc: BaseException) -> WarehouseError:
        if isinstance(exc, WarehouseError):
            return exc
        if self._is_connectivity_error(exc):
            logger.warning("warehouse unreachable: %s", exc)
            return WarehouseUnavailable()
        logger.error("warehouse query failed: %s", exc)
        return QueryError()

    # Background queries: local threads by default (Snowflake overrides with execute_async).
    def submit(self, name: str, params: Mapping[str, object] | None = None, *, timeout: float | None = None) -> Ticket:
        """Start the named query in the background and return a ticket to poll with `fetch`."""
        query = named_query(name)
        bound = bind(query, params or {})
        limit = timeout or settings.WAREHOUSE_LONG_QUERY_TIMEOUT
        future = self._executor.submit(self._guarded, lambda: self._run(query, bound, limit))
        ticket = Ticket(id=uuid.uuid4().hex, backend=self.backend)
        with self._jobs_lock:
            self._jobs[ticket.id] = future
        return ticket

    def fetch(self, ticket: Ticket) -> Result | None:
        """The result of a submitted query, None while it runs; raises its error, or QueryError if unknown."""
        with self._jobs_lock:
            future = self._jobs.get(ticket.id)
        if future is None:
            raise QueryError("unknown or expired background query")
        if not future.done():
            return None
        with self._jobs_lock:
            self._jobs.pop(ticket.id, None)
        return future.result()


class DuckDBWarehouse(Warehouse):
    """The embedded warehouse: one DuckDB file, read-only per query from web processes."""

    backend = "duckdb"

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path

    def _connect_read(self) -> duckdb.DuckDBPyConnection:
        import duckdb

        if not self.path.exists():
            raise WarehouseEmpty()
        try:
            return duckdb.connect(str(self.path), read_only=True)
        except duckdb.ConnectionException:
            # This process holds the file read-write (a command running in-process).
            raise WarehouseBusy() from None
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower():
                raise WarehouseBusy() from None
            raise WarehouseUnavailable(f"Analytics unavailable: the warehouse file cannot be opened ({exc}).") from None

    def _run(self, query: NamedQuery, params: dict[str, object], timeout: float) -> Result:
        import duckdb

        sql = query.duckdb_sql
        started = time.perf_counter()
        conn = self._connect_read()
        timer = threading.Timer(timeout, conn.interrupt)
        timer.start()
        try:
            cursor = conn.execute(sql, params)
            columns = tuple(d[0].lower() for d in cursor.description)
            rows = cursor.fetchall()
        except duckdb.InterruptException:
            raise WarehouseTimeout() from None
        except duckdb.CatalogException as exc:
            if "does not exist" in str(exc):
                raise WarehouseEmpty() from None
            raise QueryError(f"{query.name}: {exc}") from None
        except duckdb.Error as exc:
            raise QueryError(f"{query.name}: {exc}") from None
        finally:
            timer.cancel()
            conn.close()
        elapsed = time.perf_counter() - started
        _log_query(query.name, None, elapsed)
        return Result(columns=columns, rows=rows, elapsed_s=elapsed)

    def _probe(self) -> None:
        self._connect_read().close()

    def _is_connectivity_error(self, exc: BaseException) -> bool:
        return isinstance(exc, OSError)

    @contextmanager
    def writer(self, *, wait: float = 30.0) -> Iterator[DuckDBWriter]:
        """A read-write connection for commands; waits up to `wait` s for readers to let go."""
        import duckdb

        self.path.parent.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + wait
        while True:
            try:
                conn = duckdb.connect(str(self.path))
                break
            except duckdb.IOException as exc:
                if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                    raise WarehouseBusy(
                        f"The warehouse file {self.path} is held by another process ({exc}); try again when it ends."
                    ) from None
                time.sleep(0.2)
        try:
            yield DuckDBWriter(conn)
        finally:
            conn.close()


@dataclass
class DuckDBWriter:
    """A read-write DuckDB connection running named statements (translated) or native SQL."""

    conn: duckdb.DuckDBPyConnection

    def run(self, query: NamedQuery, params: Mapping[str, object] | None = None) -> Result:
        """Run one named statement."""
        cursor = self.conn.execute(query.duckdb_sql, bind(query, params or {}))
        if cursor.description is None:
            return Result(columns=(), rows=[])
        return Result(columns=tuple(d[0].lower() for d in cursor.description), rows=cursor.fetchall())

    def script(self, name: str, params: Mapping[str, object] | None = None) -> None:
        """Run every statement of analytics/sql/write/<name>.sql."""
        for statement in write_statements(name):
            self.run(statement, params)

    def native(self, sql: str, params: Mapping[str, object] | None = None) -> duckdb.DuckDBPyConnection:
        """Run DuckDB SQL written for DuckDB (the data generator); returns the cursor."""
        return self.conn.execute(sql, params) if params is not None else self.conn.execute(sql)


class SnowflakeWarehouse(Warehouse):
    """Snowflake through snowflake-connector-python: one connection per thread, re-made when the token changes."""

    backend = "snowflake"

    def __init__(self, config: SnowflakeConfig) -> None:
        super().__init__()
        self.config = config
        self.token_file = TokenFile(config.token_file) if config.token_file else None
        self._local = threading.local()

    def connect_kwargs(self) -> dict[str, Any]:
        """Arguments for snowflake.connector.connect: auth by OAuth token file, key pair or password."""
        c = self.config
        kwargs: dict[str, Any] = {
            "account": c.account,
            "database": c.database,
            "schema": c.schema,
            "login_timeout": settings.WAREHOUSE_CONNECT_TIMEOUT,
            "network_timeout": settings.WAREHOUSE_CONNECT_TIMEOUT + settings.WAREHOUSE_LONG_QUERY_TIMEOUT,
            "client_session_keep_alive": False,
            "session_parameters": {
                "QUERY_TAG": settings.WAREHOUSE_QUERY_TAG,
                "STATEMENT_TIMEOUT_IN_SECONDS": settings.WAREHOUSE_LONG_QUERY_TIMEOUT,
                "CLIENT_OUT_OF_BAND_TELEMETRY_ENABLED": False,
            },
        }
        for name in ("user", "warehouse", "role", "host", "port", "protocol"):
            value = getattr(c, name)
            if value:
                kwargs[name] = value
        if self.token_file is not None:
            kwargs["authenticator"] = "oauth"
            kwargs["token"] = self.token_file.token()
        elif c.private_key_file:
            from cryptography.hazmat.primitives import serialization

            passphrase = c.private_key_passphrase.encode() if c.private_key_passphrase else None
            key = serialization.load_pem_private_key(Path(c.private_key_file).read_bytes(), password=passphrase)
            kwargs["authenticator"] = "SNOWFLAKE_JWT"
            kwargs["private_key"] = key.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        elif c.password:
            kwargs["password"] = c.password
        return kwargs

    def _connection(self) -> SnowflakeConnection:
        import snowflake.connector

        stamp = self.token_file.stamp() if self.token_file is not None else None
        conn = getattr(self._local, "conn", None)
        if conn is not None and (conn.is_closed() or getattr(self._local, "stamp", None) != stamp):
            conn.close()
            conn = None
        if conn is None:
            conn = snowflake.connector.connect(**self.connect_kwargs())
            self._local.conn, self._local.stamp = conn, stamp
        return conn

    def _drop_connection(self) -> None:
        conn = getattr(self._local, "conn", None)
        self._local.conn = None
        if conn is not None:
            try:
                conn.close()
            except Exception:  # a broken connection may fail to close; it is discarded anyway
                logger.debug("closing a broken Snowflake connection failed", exc_info=True)

    def _run(self, query: NamedQuery, params: dict[str, object], timeout: float) -> Result:
        started = time.perf_counter()
        try:
            cursor = self._connection().cursor()
            cursor.execute(query.pyformat_sql, params, timeout=int(timeout))
            columns = tuple(d[0].lower() for d in cursor.description)
            rows = [tuple(row) for row in cursor.fetchall()]
        except Exception as exc:
            if self._is_connectivity_error(exc):
                self._drop_connection()
            if _is_timeout(exc):
                raise WarehouseTimeout() from None
            raise
        elapsed = time.perf_counter() - started
        _log_query(query.name, cursor.sfqid, elapsed)
        return Result(columns=columns, rows=rows, elapsed_s=elapsed)

    def _probe(self) -> None:
        self._connection().cursor().execute("SELECT 1", timeout=settings.WAREHOUSE_CONNECT_TIMEOUT)

    def _is_connectivity_error(self, exc: BaseException) -> bool:
        from snowflake.connector import errors

        if isinstance(exc, errors.ProgrammingError):
            return False
        return isinstance(exc, errors.OperationalError | errors.InterfaceError | OSError | TokenFileError)

    def submit(self, name: str, params: Mapping[str, object] | None = None, *, timeout: float | None = None) -> Ticket:
        """Start the query with execute_async; the ticket carries the Snowflake query id."""
        query = named_query(name)
        bound = bind(query, params or {})

        def start() -> str:
            cursor = self._connection().cursor()
            cursor.execute_async(query.pyformat_sql, bound)
            query_id = cursor.sfqid
            assert query_id is not None  # set by execute_async
            return query_id

        return Ticket(id=self._guarded(start), backend=self.backend)

    def fetch(self, ticket: Ticket) -> Result | None:
        """The rows of an async query by its query id, None while it runs."""

        def poll() -> Result | None:
            conn = self._connection()
            status = conn.get_query_status_throw_if_error(ticket.id)
            if conn.is_still_running(status):
                return None
            cursor = conn.cursor()
            cursor.get_results_from_sfqid(ticket.id)
            rows = [tuple(row) for row in cursor.fetchall()]
            _log_query("async", ticket.id, None)
            return Result(columns=tuple(d[0].lower() for d in cursor.description), rows=rows)

        return self._guarded(poll)

    @contextmanager
    def writer(self, *, wait: float = 30.0) -> Iterator[SnowflakeWriter]:
        """A connection for commands (no single-writer rule on Snowflake)."""
        import snowflake.connector

        try:
            conn = snowflake.connector.connect(**self.connect_kwargs())
        except Exception as exc:
            raise self._as_warehouse_error(exc) from exc
        try:
            yield SnowflakeWriter(conn)
        finally:
            conn.close()


@dataclass
class SnowflakeWriter:
    """A Snowflake connection running named statements and loading staged files."""

    conn: SnowflakeConnection

    def run(self, query: NamedQuery, params: Mapping[str, object] | None = None) -> Result:
        """Run one named statement."""
        cursor = self.conn.cursor()
        cursor.execute(query.pyformat_sql, bind(query, params or {}))
        if not cursor.description:
            return Result(columns=(), rows=[])
        return Result(columns=tuple(d[0].lower() for d in cursor.description), rows=cursor.fetchall())

    def script(self, name: str, params: Mapping[str, object] | None = None) -> None:
        """Run every statement of analytics/sql/write/<name>.sql."""
        for statement in write_statements(name):
            self.run(statement, params)

    def native(self, sql: str) -> list[tuple[Any, ...]]:
        """Run one Snowflake statement written for Snowflake only (PUT, COPY INTO, DDL)."""
        cursor = self.conn.cursor()
        cursor.execute(sql)
        return cursor.fetchall() if cursor.description else []


def _is_timeout(exc: BaseException) -> bool:
    from snowflake.connector import errors

    # 604: statement cancelled by the client timeout; 630: STATEMENT_TIMEOUT_IN_SECONDS reached.
    return isinstance(exc, errors.Error) and getattr(exc, "errno", None) in {604, 630}


# -- configuration ------------------------------------------------------------------------------
def duckdb_path(url: str) -> Path:
    """The file of a duckdb:/// URL (relative paths from the project directory; empty -> var/)."""
    rest = url.removeprefix("duckdb:///")
    if not rest:
        return Path(settings.VAR_DIR) / "warehouse.duckdb"
    path = Path(unquote(rest))
    return path if path.is_absolute() else Path(settings.BASE_DIR) / path


def build_warehouse(url: str) -> DuckDBWarehouse | SnowflakeWarehouse:
    """A warehouse for a WAREHOUSE_URL."""
    if url.startswith("duckdb:///"):
        return DuckDBWarehouse(duckdb_path(url))
    if url.startswith("snowflake://"):
        return SnowflakeWarehouse(parse_snowflake_url(url))
    raise ImproperlyConfigured("WAREHOUSE_URL must start with duckdb:/// or snowflake://")


_warehouses: dict[str, DuckDBWarehouse | SnowflakeWarehouse] = {}
_warehouses_lock = threading.Lock()


BREAKER_STATES = {"closed": 0, "half-open": 1, "open": 2}


class BreakerStateCollector(Collector):
    """The current warehouse's breaker for /metrics: 0 closed, 1 half-open, 2 open (no sample before first use)."""

    name = "fluxops_warehouse_circuit_breaker_state"
    documentation = "Analytics warehouse circuit breaker: 0 closed, 1 half-open (probing), 2 open."

    def describe(self) -> Iterator[GaugeMetricFamily]:
        yield GaugeMetricFamily(self.name, self.documentation)

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(self.name, self.documentation)
        warehouse = _warehouses.get(settings.WAREHOUSE_URL)
        if warehouse is not None:
            family.add_metric([], BREAKER_STATES[warehouse.breaker.state])
        yield family


metrics.register_scrape_collector(BreakerStateCollector())


def get_warehouse() -> DuckDBWarehouse | SnowflakeWarehouse:
    """The process-wide warehouse for settings.WAREHOUSE_URL."""
    url = settings.WAREHOUSE_URL
    with _warehouses_lock:
        if url not in _warehouses:
            _warehouses[url] = build_warehouse(url)
        return _warehouses[url]
