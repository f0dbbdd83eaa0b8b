"""How long building the demo brand takes: `siyu simulate --customers N` as a user runs it.

    uv run python benchmarks/simulate.py [--customers N] [--baseline-customers M]

Each build goes into a fresh database (a new SQLite data directory under var/, or
DATABASE_URL's database, which is emptied before and after: its name must start with
"bench"). The product
path: migrations, then the brand with its bulk part planned by worker processes. The
baseline in the same run: the same loader with every person planned in the writing
process (workers=0), on M people (default: N up to 100k; it is the slow one). Both print
people per second of the simulation itself; the product run also gives the whole
command's time, migrations included. Last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from bench_env import ROOT, remove_sqlite


def one_build(customers: int, workers: int | None) -> dict[str, float]:
    """Runs in a child process: a fresh Django on a fresh database."""
    os.environ["SIYU_AUTOGEN_KEYS"] = "1"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "siyu.settings")
    started = time.perf_counter()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from siyu.customers.models import Customer
    from siyu.demo.simulate import simulate

    if Customer.objects.exists():
        raise SystemExit("the database is not empty")
    migrated = time.perf_counter()
    result = simulate(customers, 7, workers=workers)
    done = time.perf_counter()
    return {
        "customers": result.customers,
        "orders": result.orders,
        "migrate_s": round(migrated - started, 1),
        "simulate_s": round(done - migrated, 1),
        "command_s": round(done - started, 1),
        "people_per_s": round(customers / (done - migrated)),
    }


def run_child(customers: int, workers: int | None, name: str) -> dict[str, float]:
    env = dict(os.environ)
    data_dir = ROOT / "var" / name
    if not env.get("DATABASE_URL"):
        remove_sqlite(data_dir)
        env["SIYU_DATA_DIR"] = str(data_dir)
    else:
        reset_database(env)
    args = [sys.executable, __file__, "--child", str(customers), "--workers", str(workers)]
    out = subprocess.run(args, env=env, check=True, capture_output=True, text=True).stdout  # noqa: S603 - this script
    figures: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    return figures


def reset_database(env: dict[str, str]) -> None:
    """Empty DATABASE_URL's database (PostgreSQL): drop and recreate its public schema,
    only when the database's name says it is a benchmark's (bench_…)."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict

    name = str(conninfo_to_dict(env["DATABASE_URL"]).get("dbname", ""))
    if not name.startswith("bench"):
        raise SystemExit(f"refusing to empty database {name!r}: name it bench_… for this")

    with psycopg.connect(env["DATABASE_URL"], autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--baseline-customers", type=int, default=None)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--workers", default="None", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        workers = None if args.workers == "None" else int(args.workers)
        print(json.dumps(one_build(args.child, workers)))
        return
    baseline_n = args.baseline_customers or min(args.customers, 100_000)
    db = "postgresql" if os.environ.get("DATABASE_URL") else "sqlite"
    product = run_child(args.customers, None, "bench-simulate")
    print(f"product:  {product}", flush=True)
    baseline = run_child(baseline_n, 0, "bench-simulate-baseline")
    print(f"baseline: {baseline}", flush=True)
    if os.environ.get("DATABASE_URL"):
        reset_database(dict(os.environ))
    else:
        for name in ("bench-simulate", "bench-simulate-baseline"):
            remove_sqlite(ROOT / "var" / name)
    print(
        json.dumps(
            {
                "bench": "simulate",
                "db": db,
                "customers": product["customers"],
                "orders": product["orders"],
                "seconds": product["simulate_s"],
                "command_seconds": product["command_s"],
                "people_per_s": product["people_per_s"],
                "baseline_customers": baseline_n,
                "baseline_people_per_s": baseline["people_per_s"],
                "cores": os.cpu_count(),
            }
        )
    )


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
