"""Snowflake connection settings: the snowflake:// URL, and the SPCS OAuth token file re-read when refreshed."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

DEFAULT_TOKEN_FILE = "/snowflake/session/token"


class TokenFileError(RuntimeError):
    """The token file is missing, unreadable or empty."""


class TokenFile:
    """Reads an OAuth token from a file and re-reads it when its mtime (or size) changes."""

    def __init__(self, path: str | Path = DEFAULT_TOKEN_FILE) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._token: str | None = None

    def _current_stamp(self) -> tuple[int, int]:
        try:
            stat = self.path.stat()
        except OSError as exc:
            raise TokenFileError(f"Snowflake token file {self.path} is not readable: {exc.strerror}") from None
        return (stat.st_mtime_ns, stat.st_size)

    def token(self) -> str:
        """The current token, read from disk only when the file changed since the last read."""
        stamp = self._current_stamp()
        with self._lock:
            if stamp != self._stamp or self._token is None:
                try:
                    token = self.path.read_text().strip()
                except OSError as exc:
                    raise TokenFileError(f"Snowflake token file {self.path} is not readable: {exc.strerror}") from None
                if not token:
                    raise TokenFileError(f"Snowflake token file {self.path} is empty")
                self._token, self._stamp = token, stamp
            return self._token

    def stamp(self) -> tuple[int, int]:
        """The (mtime, size) of the file now: a change means connections need the new token."""
        return self._current_stamp()


@dataclass
class SnowflakeConfig:
    """Connection settings parsed from `snowflake://user[:password]@account/database/schema?...`."""

    account: str
    user: str
    database: str
    schema: str
    warehouse: str | None = None
    role: str | None = None
    password: str | None = None
    authenticator: str | None = None
    private_key_file: str | None = None
    private_key_passphrase: str | None = None
    token_file: str | None = None
    host: str | None = None
    port: int | None = None
    protocol: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


def parse_snowflake_url(url: str) -> SnowflakeConfig:
    """Parse a snowflake:// URL; SPCS fills account and host from SNOWFLAKE_ACCOUNT/SNOWFLAKE_HOST."""
    parts = urlsplit(url)
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    path = [unquote(p) for p in parts.path.split("/") if p]
    if len(path) != 2:
        raise ImproperlyConfigured("WAREHOUSE_URL must name a database and a schema: snowflake://.../DATABASE/SCHEMA")
    authenticator = query.pop("authenticator", None)
    config = SnowflakeConfig(
        account=unquote(parts.hostname or "") or settings.SNOWFLAKE_ACCOUNT or "",
        user=unquote(parts.username or ""),
        database=path[0],
        schema=path[1],
        warehouse=query.pop("warehouse", None),
        role=query.pop("role", None),
        password=unquote(parts.password) if parts.password else settings.SNOWFLAKE_PASSWORD,
        authenticator=authenticator,
        private_key_file=query.pop("private_key_file", None) or settings.SNOWFLAKE_PRIVATE_KEY_FILE,
        private_key_passphrase=settings.SNOWFLAKE_PRIVATE_KEY_PASSPHRASE,
        token_file=query.pop("token_file", None)
        or (settings.SNOWFLAKE_TOKEN_FILE if authenticator == "oauth" else None),
        host=query.pop("host", None) or settings.SNOWFLAKE_HOST,
        port=int(query.pop("port")) if "port" in query else None,
        protocol=query.pop("protocol", None),
    )
    if query:
        raise ImproperlyConfigured(f"WAREHOUSE_URL has unknown options: {sorted(query)}")
    if not config.account:
        raise ImproperlyConfigured("WAREHOUSE_URL needs a Snowflake account (in the URL or SNOWFLAKE_ACCOUNT)")
    if config.authenticator not in {None, "oauth", "snowflake", "snowflake_jwt"}:
        raise ImproperlyConfigured("WAREHOUSE_URL authenticator must be oauth, snowflake or snowflake_jwt")
    return config
