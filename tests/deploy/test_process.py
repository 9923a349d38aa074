"""The process as deployed: gunicorn with gunicorn.conf.py, and `check --deploy` with the spec's settings."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from django.conf import settings
from prometheus_client.mmap_dict import MmapedDict, mmap_key

BASE_DIR = Path(settings.BASE_DIR)
GUNICORN = Path(sys.executable).with_name("gunicorn")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The test runner's environment without app settings, plus `extra`."""
    keep = {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT"}
    env = {key: value for key, value in os.environ.items() if key in keep}
    env.update(FLUXOPS_VAR_DIR=str(tmp_path / "var"), STATIC_ROOT=str(tmp_path / "static"), **extra)
    return env


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_gunicorn_migrates_serves_with_the_project_config_and_stops_gracefully(tmp_path: Path) -> None:
    port = _free_port()
    env = _clean_env(
        tmp_path,
        BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="2",
        GUNICORN_THREADS="2",
        METRICS_TOKEN="scrape-token",
        SECRET_KEY="gunicorn-test-key-" + "x" * 40,
        LOG_FORMAT="json",
        MIGRATE_ON_START="true",
    )
    # A counter file an earlier server left: the new server must empty the directory first.
    metrics_dir = tmp_path / "var" / "prometheus"
    metrics_dir.mkdir(parents=True)
    stale = MmapedDict(str(metrics_dir / "counter_1.db"))
    labels = ["route", "method", "status"], ["unmatched", "GET", "404"]
    stale.write_value(mmap_key("fluxops_http_requests", "fluxops_http_requests_total", *labels, "Old."), 100.0, 0.0)
    stale.close()
    log = (tmp_path / "gunicorn.log").open("w+")
    process = subprocess.Popen(
        [str(GUNICORN), "-c", "gunicorn.conf.py"], cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                status, headers, body = _get(f"http://127.0.0.1:{port}/healthz")
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    pytest.fail(f"gunicorn did not answer:\n{log.read()}")
                time.sleep(0.2)
        assert (status, body) == (200, b'{"status": "ok"}')
        # MIGRATE_ON_START ran the locked migrate before the workers (SQLite here: plain migrate).
        assert _get(f"http://127.0.0.1:{port}/readyz")[0] == 200
        with sqlite3.connect(tmp_path / "var" / "fluxops.sqlite3") as db:
            applied = db.execute("SELECT COUNT(*) FROM django_migrations WHERE app = 'grid'").fetchone()[0]
        assert applied >= 2
        # An app route: request id header, JSON request line and gunicorn's access line on stdout.
        status, headers, _ = _get(f"http://127.0.0.1:{port}/metrics", {"X-Request-ID": "probe-0001abcd"})
        assert status == 401 and headers["X-Request-ID"] == "probe-0001abcd"
        # Counters are summed over both workers (prometheus_client multiprocess files under the var
        # directory), whichever answers the scrape, from the first scrape on.
        for _ in range(6):
            assert _get(f"http://127.0.0.1:{port}/no-such-page")[0] == 404
        wanted = 'fluxops_http_requests_total{method="GET",route="unmatched",status="404"} 6.0\n'
        for _ in range(4):
            status, _, body = _get(f"http://127.0.0.1:{port}/metrics", {"Authorization": "Bearer scrape-token"})
            assert status == 200 and wanted in body.decode(), body.decode()
        assert not (metrics_dir / "counter_1.db").exists() and list(metrics_dir.glob("counter_*.db"))
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=25) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    log.seek(0)
    output = log.read()
    assert '"request_id": "probe-0001abcd"' in output and '"route": "/metrics"' in output
    assert "request_id=probe-0001abcd" in output  # gunicorn access log line
    assert "running migrate directly" in output
    assert "Control socket" not in output
    assert "Handling signal: term" in output or "Shutting down" in output


def _config() -> dict:
    config: dict = {}
    exec(compile((BASE_DIR / "gunicorn.conf.py").read_text(), "gunicorn.conf.py", "exec"), config)
    return config


def test_gunicorn_config_stays_below_the_ingress_timeout() -> None:
    config = _config()
    assert config["timeout"] < 60
    assert 0 < config["graceful_timeout"] <= config["timeout"]
    assert config["accesslog"] == "-" and config["wsgi_app"] == "fluxops.wsgi:application"
    assert config["control_socket_disable"] is True


def test_gunicorn_child_exit_marks_the_worker_dead_for_prometheus_client(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    for name in ("gauge_livesum_4242.db", "gauge_livesum_4343.db", "counter_4242.db"):
        (tmp_path / name).write_bytes(b"")
    _config()["child_exit"](None, SimpleNamespace(pid=4242))
    # Live gauges of the dead worker go; its counters stay in the sums.
    assert sorted(path.name for path in tmp_path.iterdir()) == ["counter_4242.db", "gauge_livesum_4343.db"]


def _spec_env() -> dict[str, str]:
    spec = yaml.safe_load((BASE_DIR / "service_spec.yaml").read_text())
    return {key: str(value) for key, value in spec["spec"]["containers"][0]["env"].items()}


def test_check_deploy_is_clean_with_the_service_spec_settings(tmp_path: Path) -> None:
    env = _clean_env(
        tmp_path,
        **_spec_env(),
        # What the Snowflake secrets provide in the container.
        SECRET_KEY="Zr7-" + "q8Lw2mXv9Tb4Hn6Kc1Pd5Fs3Gj0Ry" * 2,
        DATABASE_USER="fluxops",
        DATABASE_PASSWORD="not-used-by-checks",
        METRICS_TOKEN="scrape-token",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_spcs_mode_refuses_to_start_without_shared_key_and_postgres(tmp_path: Path) -> None:
    env = _clean_env(tmp_path, SPCS_MODE="true")
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0 and "SPCS_MODE needs SECRET_KEY" in result.stderr


def test_gunicorn_refuses_to_start_when_migrations_fail(tmp_path: Path) -> None:
    env = _clean_env(
        tmp_path,
        BIND=f"127.0.0.1:{_free_port()}",
        SECRET_KEY="gunicorn-test-key-" + "x" * 40,
        MIGRATE_ON_START="true",
        # Nothing listens on port 1: migrate_locked fails at once.
        DATABASE_URL="postgres://nobody@127.0.0.1:1/fluxops",
        DATABASE_POOL_TIMEOUT="1",
    )
    result = subprocess.run(
        [str(GUNICORN), "-c", "gunicorn.conf.py"], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "migrate_locked failed" in result.stdout + result.stderr
    assert "Booting worker" not in result.stdout + result.stderr
