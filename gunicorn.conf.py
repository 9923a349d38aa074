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
