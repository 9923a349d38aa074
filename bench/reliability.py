"""Reliability benchmark: year-to-date system and per-feeder indices (with and without MEDs) over
five years of outage history on the default network: the first computation of a process, a full
recomputation from the database (every cache emptied), and the usual answer of a running server
(customers served cached per network version; the interruption sums are always read fresh).

The default network and its history are seeded into a temporary SQLite directory; the figures
are measured in a fresh process so the cold figure includes every query.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _manage(env: dict[str, str], *args: str) -> str:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout


def measure() -> dict[str, object]:
    """Run inside a Django process: the year-to-date overview cold, recomputed in full, and as a server answers."""
    import django

    django.setup()
    from django.utils import timezone

    from grid.selectors.reliability import clear_caches, period_for, reliability_overview

    period = period_for("ytd", today=timezone.localdate())
    started = time.perf_counter()
    overview = reliability_overview(period)
    cold = time.perf_counter() - started
    full, served_cached = [], []
    for _ in range(7):
        clear_caches()
        started = time.perf_counter()
        reliability_overview(period)
        full.append(time.perf_counter() - started)
        started = time.perf_counter()
        reliability_overview(period)
        served_cached.append(time.perf_counter() - started)
    return {
        "first_in_process_ms": round(cold * 1000),
        "full_recompute_ms": round(statistics.median(full) * 1000),
        "full_recompute_max_ms": round(max(full) * 1000),
        "server_ms": round(statistics.median(served_cached) * 1000),
        "feeders": len(overview.feeders),
        "records": overview.system.all_days.sustained_interruptions,
        "saidi": round(overview.system.all_days.saidi, 1),
        "saidi_ex_med": round(overview.system.excluding_med.saidi, 1),
        "med_days": len(overview.system.med_days),
    }


def _run_on(env: dict[str, str]) -> dict[str, object]:
    _manage(env, "migrate", "--no-input", "-v0")
    _manage(env, "seed_grid", "--reset", "-v0")
    started = time.perf_counter()
    seeded = _manage(env, "seed_history", "--years", "5", "--reset", "-v0").strip()
    history_s = time.perf_counter() - started
    out = subprocess.run(
        [sys.executable, "-m", "bench.reliability", "--measure"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return {"seed_history": f"{seeded} (wall {history_s:.1f} s)", **json.loads(out)}


def run() -> dict[str, dict[str, object]]:
    """The figures on SQLite and, when reachable, on PostgreSQL (production's database)."""
    from bench.seed import BENCH_PG_URL, _postgres_ready

    base = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    base["DJANGO_SETTINGS_MODULE"] = "fluxops.settings"
    results = {}
    with tempfile.TemporaryDirectory(prefix="fluxops-bench-") as var_dir:
        results["sqlite"] = _run_on({**base, "FLUXOPS_VAR_DIR": var_dir})
    if _postgres_ready(BENCH_PG_URL):
        results["postgresql"] = _run_on({**base, "DATABASE_URL": BENCH_PG_URL})
    return results


if __name__ == "__main__":
    if "--measure" in sys.argv:
        print(json.dumps(measure()))
    else:
        for database, figures in run().items():
            print(database, figures)
