"""Run every benchmark and print the figures the issues name (`make bench`)."""

from __future__ import annotations

from bench import map as map_bench
from bench import seed, topology


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
    print("== operations map, default network")
    for name, value in map_bench.run("default").items():
        print(f"{name}: {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
