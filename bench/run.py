"""Run every benchmark and print the figures the issues name (`make bench`)."""

from __future__ import annotations

from bench import analytics, prediction, reliability, seed, topology
from bench import map as map_bench


def main() -> int:
    print("== seed_grid, default scale")
    print(f"{'database':<12}{'segments':>10}{'rows':>10}{'seconds':>9}{'rows/s':>10}")
    for row in seed.run("default"):
        print(
            f"{row['database']:<12}{row['segments']:>10,}{row['rows']:>10,}{row['seconds']:>9.1f}{row['rows_per_s']:>10,}"
        )
    print("== topology, default network")
    for name, value in topology.run("default").items():
        print(f"{name}: {value}")
    print("== outage prediction, default network")
    for name, value in prediction.run("default").items():
        print(f"{name}: {value}")
    print("== reliability indices, year to date over five years of history, default network")
    for database, figures in reliability.run().items():
        print(f"{database}: " + ", ".join(f"{name} {value}" for name, value in figures.items()))
    print("== analytics (embedded DuckDB warehouse), default network")
    analytics.print_report(analytics.run())

    print("== operations map, default network")
    for name, value in map_bench.run("default").items():
        print(f"{name}: {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
