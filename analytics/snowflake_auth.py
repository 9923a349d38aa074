"""The Snowpark Container Services OAuth token file, re-read whenever the platform refreshes it."""

from __future__ import annotations

import threading
from pathlib import Path

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
