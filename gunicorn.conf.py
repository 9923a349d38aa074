"""gunicorn settings, from the environment (see .env.example)."""

import os
import subprocess
import sys
from pathlib import Path

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# Below the 60 s ingress cut of the deployment platform, so the app answers before the proxy gives up.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "50"))
# On SIGTERM (instance stopped or replaced) workers finish in-flight requests for up to this long.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "20"))
keepalive = 5
accesslog = "-"
errorlog = "-"
# The request id ties gunicorn's line to the app's JSON request line.
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms request_id=%({x-request-id}o)s'
wsgi_app = "fluxops.wsgi:application"
# No control socket: it would live in $HOME (read-only in the image) and clash between servers on one host.
control_socket_disable = True
# Worker heartbeats on tmpfs: container overlay filesystems can stall them into false timeouts.
if Path("/dev/shm").is_dir():
    worker_tmp_dir = "/dev/shm"


def on_starting(server: object) -> None:
    """With MIGRATE_ON_START=true, apply migrations (advisory-locked) before any worker serves."""
    if os.environ.get("MIGRATE_ON_START", "false").lower() in {"1", "true", "yes", "on"}:
        # A child process, so the master never holds database connections across the fork.
        manage = Path(__file__).resolve().parent / "manage.py"
        result = subprocess.run([sys.executable, str(manage), "migrate_locked", "--no-color"], check=False)
        if result.returncode != 0:
            # Exit rather than serve on a half-migrated schema; the platform restarts the container.
            server.log.error("migrate_locked failed (exit %s): not starting", result.returncode)
            sys.exit(1)


def _metrics_dir() -> Path:
    """PROMETHEUS_MULTIPROC_DIR, else <FLUXOPS_VAR_DIR>/prometheus (relative to the project, as in settings)."""
    configured = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parent / (os.environ.get("FLUXOPS_VAR_DIR") or "var") / "prometheus"


def when_ready(server: object) -> None:
    """Give the workers an empty prometheus_client multiprocess directory (see fluxops.metrics)."""
    directory = _metrics_dir()
    directory.mkdir(parents=True, exist_ok=True)
    # An earlier server's files would add its counts to this one's. Emptied here, once the sockets
    # are bound, so a second server that fails to bind never wipes a running server's files.
    for stale in directory.glob("*.db"):
        stale.unlink()
    # Set before the first fork: the workers inherit it and prometheus_client reads it on import.
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory)


def child_exit(server: object, worker: object) -> None:
    """Remove a dead worker's live-gauge files; its counters and histograms stay in the sums."""
    # Imported here, after when_ready: imported into the master earlier, prometheus_client would
    # have chosen in-memory values for the workers forked from it.
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
