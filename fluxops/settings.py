"""Settings for Flux Operations Center: one file, every difference comes from the environment.

Every variable read here is listed with a one-line comment in `.env.example`.
Secrets may be given as NAME or as a path in NAME_FILE (container secrets).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Literal, overload

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from fluxops.roles import ROLES, VIEWER
from fluxops.spcs_config import parse_role_map

BASE_DIR = Path(__file__).resolve().parent.parent


@overload
def env(name: str) -> str | None: ...
@overload
def env(name: str, default: str) -> str: ...
def env(name: str, default: str | None = None) -> str | None:
    """Value of NAME, or the stripped contents of the file named by NAME_FILE."""
    if name in os.environ:
        return os.environ[name]
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text().strip()
    return default


def env_bool(name: str, default: bool) -> bool:
    value = env(name)
    if value is None:
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off", ""}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), got {value!r}")


def env_int(name: str, default: int) -> int:
    value = env(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from None


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in (env(name, default) or "").split(",") if item.strip()]


def env_path(name: str, default: str) -> Path:
    """A path from the environment; relative paths are taken from the project directory."""
    return BASE_DIR / (env(name) or default)


VAR_DIR = env_path("FLUXOPS_VAR_DIR", "var")
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)


def _secret_key() -> str:
    """SECRET_KEY from the environment, else a per-checkout key kept under var/ (never committed)."""
    key = env("SECRET_KEY")
    if key:
        return key
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    # In INSTALLED_APPS so the API docs use ninja's bundled Swagger UI instead of a CDN.
    "ninja",
    # The project package itself, for its deployment management commands.
    "fluxops",
    "grid",
    "analytics",
]

MIDDLEWARE = [
    # Probes first: the platform calls them by container IP over plain HTTP (see fluxops.middleware).
    "fluxops.middleware.ProbeMiddleware",
    "fluxops.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "fluxops.spcs.SpcsIdentityMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "fluxops.urls"
WSGI_APPLICATION = "fluxops.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "fluxops.context_processors.app",
            ],
        },
    },
]


def _databases() -> dict[str, Mapping[str, object]]:
    url = env("DATABASE_URL")
    if not url:
        return {
            "default": {
                "ENGINE": "django.db.backends.sqlite3",
                "NAME": VAR_DIR / "fluxops.sqlite3",
                "OPTIONS": {
                    # WAL + IMMEDIATE transactions + busy timeout: concurrent writers wait instead of
                    # failing with "database is locked".
                    "transaction_mode": "IMMEDIATE",
                    "timeout": 20,
                    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                },
                "TEST": {"NAME": VAR_DIR / "test.sqlite3"},
            }
        }
    config = dj_database_url.parse(url)
    if config["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_URL must be a postgres:// URL (or unset for SQLite)")
    # Credentials may come apart from the URL (container secrets as env vars or files), so the URL
    # itself never has to hold a password.
    credentials: tuple[tuple[Literal["USER", "PASSWORD"], str], ...] = (
        ("USER", "DATABASE_USER"),
        ("PASSWORD", "DATABASE_PASSWORD"),
    )
    for key, name in credentials:
        value = env(name)
        if value:
            config[key] = value
    # Django's psycopg pool requires CONN_MAX_AGE=0; the pool keeps the connections instead.
    config["CONN_MAX_AGE"] = 0
    config.setdefault("OPTIONS", {})["pool"] = {
        "min_size": env_int("DATABASE_POOL_MIN", 2),
        "max_size": env_int("DATABASE_POOL_MAX", 10),
        "timeout": env_int("DATABASE_POOL_TIMEOUT", 10),
    }
    return {"default": config}


DATABASES = _databases()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "grid:dashboard"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env("TIME_ZONE", "America/Chicago")
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env_path("STATIC_ROOT", "staticfiles")
# Hashed, compressed files once collectstatic has run (the image, `make run`); until then (a fresh clone's
# `pytest`, `manage.py runserver`) plain names served straight from the finders.
STATIC_COLLECTED = (STATIC_ROOT / "staticfiles.json").exists()
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if STATIC_COLLECTED and not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not STATIC_COLLECTED
WHITENOISE_AUTOREFRESH = DEBUG

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY", False) else None
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
# Scrapers inside the platform's network call /metrics over plain HTTP (no ingress, no TLS proxy).
SECURE_REDIRECT_EXEMPT = [r"^metrics$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"

# Snowpark Container Services. With SPCS_MODE on, the ingress's Sf-Context-Current-User header
# names the caller (fluxops.spcs); off, that header is stripped and ignored.
SPCS_MODE = env_bool("SPCS_MODE", False)
# Snowflake user or `role:NAME` -> viewer/operator/admin, as JSON or "NAME:role,..."; others get the default.
SPCS_ROLE_MAP = parse_role_map(env("SPCS_ROLE_MAP"))
SPCS_DEFAULT_ROLE = (env("SPCS_DEFAULT_ROLE", VIEWER) or VIEWER).lower()
if SPCS_DEFAULT_ROLE not in ROLES:
    raise ImproperlyConfigured(f"SPCS_DEFAULT_ROLE must be one of {', '.join(ROLES)}, got {SPCS_DEFAULT_ROLE!r}")
# Optional dotted path to a callable(username, request) -> Snowflake role names, for `role:` keys.
SPCS_ROLE_RESOLVER = env("SPCS_ROLE_RESOLVER") or None
# Dotted path to a callable() -> loading class per segment (numpy uint8, or None while unknown) for the
# map's loading colours; the grid app never imports the warehouse layer that computes them.
MAP_LOADING_PROVIDER = env("MAP_LOADING_PROVIDER", "analytics.map_loading.segment_loading") or None
# Caller's rights: expose the ingress's Sf-Context-Current-User-Token as request.snowflake_user_token
# for warehouse queries run as the caller (needs executeAsCaller in the service spec).
SPCS_CALLERS_RIGHTS = env_bool("SPCS_CALLERS_RIGHTS", False)
if SPCS_MODE:
    AUTHENTICATION_BACKENDS = ["fluxops.spcs.SpcsUserBackend", "django.contrib.auth.backends.ModelBackend"]
    # Every instance must share one key and one database; a generated per-container key or a
    # container-local SQLite file would silently split sessions and data between instances.
    if not env("SECRET_KEY") and not DEBUG:
        raise ImproperlyConfigured("SPCS_MODE needs SECRET_KEY (or SECRET_KEY_FILE) from a Snowflake secret")
    if not env("DATABASE_URL"):
        raise ImproperlyConfigured("SPCS_MODE needs DATABASE_URL pointing at PostgreSQL")

# Observability: bearer token that may read /metrics besides admins (unset: admins only), and the
# latency above which a request is logged as slow.
METRICS_TOKEN = env("METRICS_TOKEN") or None
SLOW_REQUEST_MS = env_int("SLOW_REQUEST_MS", 1000)

LOG_FORMAT = env("LOG_FORMAT", "plain")
if LOG_FORMAT not in {"plain", "json"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be 'plain' or 'json', got {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "fluxops.logging.JsonFormatter"},
    },
    "filters": {"request_id": {"()": "fluxops.logging.RequestIdFilter"}},
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["stdout"], "level": env("LOG_LEVEL", "INFO")},
}

# API list pages: default and maximum page size (a larger `limit` is a 422, not silently capped).
NINJA_PAGINATION_PER_PAGE = 100
NINJA_PAGINATION_MAX_LIMIT = 500

# Seconds between refreshes of live tiles and tables (they poll only while the tab is visible).
LIVE_REFRESH_SECONDS = env_int("LIVE_REFRESH_SECONDS", 15)
# Analytics warehouse: snowflake://user@account/DATABASE/SCHEMA?warehouse=..&role=.. or duckdb:///path
# (unset: an embedded DuckDB file under var/). See .env.example for the Snowflake options.
WAREHOUSE_URL = env("WAREHOUSE_URL") or "duckdb:///"
WAREHOUSE_QUERY_TIMEOUT = env_int("WAREHOUSE_QUERY_TIMEOUT", 20)
WAREHOUSE_LONG_QUERY_TIMEOUT = env_int("WAREHOUSE_LONG_QUERY_TIMEOUT", 300)
WAREHOUSE_CONNECT_TIMEOUT = env_int("WAREHOUSE_CONNECT_TIMEOUT", 2)
WAREHOUSE_QUERY_TAG = env("WAREHOUSE_QUERY_TAG", "fluxops")
WAREHOUSE_BREAKER_FAILURES = env_int("WAREHOUSE_BREAKER_FAILURES", 3)
WAREHOUSE_BREAKER_COOLDOWN = env_int("WAREHOUSE_BREAKER_COOLDOWN", 30)
SNOWFLAKE_ACCOUNT = env("SNOWFLAKE_ACCOUNT")
SNOWFLAKE_HOST = env("SNOWFLAKE_HOST")
SNOWFLAKE_PASSWORD = env("SNOWFLAKE_PASSWORD")
SNOWFLAKE_PRIVATE_KEY_FILE = env("SNOWFLAKE_PRIVATE_KEY_FILE")
SNOWFLAKE_PRIVATE_KEY_PASSPHRASE = env("SNOWFLAKE_PRIVATE_KEY_PASSPHRASE")
SNOWFLAKE_TOKEN_FILE = env("SNOWFLAKE_TOKEN_FILE", "/snowflake/session/token")
# Deploy-time Dynamic Tables: the warehouse that refreshes them and their target lag.
SNOWFLAKE_DT_WAREHOUSE = env("SNOWFLAKE_DT_WAREHOUSE", "FLUXOPS_WH")
SNOWFLAKE_DT_TARGET_LAG = env("SNOWFLAKE_DT_TARGET_LAG", "15 minutes")
# An analytics panel request waits this long (s) for its query, then polls (the ingress cuts at 60 s).
ANALYTICS_PANEL_WAIT = env_int("ANALYTICS_PANEL_WAIT", 8)
# Seconds between polls of a panel whose query is still running; seconds a CSV download or API call waits for its query.
ANALYTICS_POLL_SECONDS = env_int("ANALYTICS_POLL_SECONDS", 2)
ANALYTICS_SYNC_WAIT = env_int("ANALYTICS_SYNC_WAIT", 20)

# Operations map: seconds between status refreshes while the page is visible, and deck.gl's click
# time limit in ms (0 = deck's default 250 ms; raise it for clients without a GPU, whose picking is slower).
MAP_STATUS_REFRESH_SECONDS = env_int("MAP_STATUS_REFRESH_SECONDS", 10)
MAP_CLICK_TIME_MS = env_int("MAP_CLICK_TIME_MS", 0)
