"""Seed benchmark: the default-scale network written to SQLite and to PostgreSQL.

Each database gets a fresh migrate and a `seed_grid --reset` in a subprocess, so the figure is
what an operator sees from the command line. PostgreSQL is skipped when unreachable.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
BENCH_PG_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/fluxops_bench")
SEEDED = re.compile(r"Seeded scale=(\w+) seed=(\d+): ([\d,]+) rows in ([\d.]+) s .*?([\d,]+) rows/s")


def _manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return result.stdout


def _seed(label: str, env: dict[str, str], scale: str) -> dict[str, object]:
    _manage(env, "migrate", "--no-input", "-v0")
    started = time.perf_counter()
    out = _manage(env, "seed_grid", "--scale", scale, "--reset", "-v0")
    wall = time.perf_counter() - started
    match = SEEDED.search(out)
    if match is None:
        raise RuntimeError(f"unexpected seed_grid output:\n{out}")
    counts = dict(re.findall(r"^\s*(\w+): ([\d,]+)$", out, flags=re.M))
    return {
        "database": label,
        "scale": scale,
        "rows": int(match.group(3).replace(",", "")),
        "segments": int(counts["segments"].replace(",", "")),
        "seconds": float(match.group(4)),
        "rows_per_s": int(match.group(5).replace(",", "")),
        "wall_s": round(wall, 1),
    }


def _postgres_ready(url: str) -> bool:
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    name = url.rsplit("/", 1)[1]
    try:
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=3) as conn:
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
                conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error:
        return False
    return True


def run(scale: str = "default") -> list[dict[str, object]]:
    results = []
    base = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    with tempfile.TemporaryDirectory(prefix="fluxops-bench-") as var_dir:
        results.append(_seed("sqlite", {**base, "FLUXOPS_VAR_DIR": var_dir}, scale))
    if _postgres_ready(BENCH_PG_URL):
        results.append(_seed("postgresql", {**base, "DATABASE_URL": BENCH_PG_URL}, scale))
    else:
        print(f"seed: PostgreSQL at {BENCH_PG_URL} unreachable, skipped", file=sys.stderr)
    return results


if __name__ == "__main__":
    for row in run(sys.argv[1] if len(sys.argv) > 1 else "default"):
        print(row)
