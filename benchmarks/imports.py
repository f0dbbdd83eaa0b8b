"""CSV import speed through exactly the path of `siyu import` (check pass, then chunked
writes), on the database DATABASE_URL names (SQLite in var/ when unset).

Measures customers rows/s, order lines/s, the identical re-run's speed-up and the peak
memory of the process (RSS, and its private part without SQLite's mapped database file). Baselines in the same run: the per-row path (every item
through the verbs, as imports ran before; on a sample, rolled back) with a check that both
paths store the same thing, and the bare insert limit (PostgreSQL COPY, SQLite
executemany) of the same customer and line rows into the same tables, rolled back.

    uv run python benchmarks/imports.py [--quick] [--customers N] [--lines N]
    DATABASE_URL=postgres://… uv run python benchmarks/imports.py
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench_env import server_cpu, setup_django

HEADER_C = "phone,taobao_buyer_id,display_name,gender,region,lifecycle_stage"
HEADER_O = (
    "phone,platform,order_no,paid_at,total_amount,paid_amount,sku,product_name,category,"
    "quantity,unit_price,line_amount,refund_no,refund_amount,refunded_at"
)


def phone(n: int) -> str:
    return f"13{(n * 7919 + 123456789) % 10**9:09d}"


def write_customers(path: Path, n: int, offset: int = 0) -> None:
    with path.open("w", encoding="utf-8") as f:
        f.write(HEADER_C + "\n")
        for i in range(offset, offset + n):
            gender = ("女", "男", "")[i % 3]
            f.write(f"{phone(i)},tb{i},客户{i},{gender},上海,new\n")


def write_orders(path: Path, lines: int, customers: int, offset: int = 0, seed: int = 7) -> None:
    """Orders of 1-40 lines (about 21 on average, as real retail invoices); one in 20 has
    a refund, one in 50 is cancelled (refunded in full)."""
    rng = random.Random(seed)
    written = 0
    order = offset
    with path.open("w", encoding="utf-8") as f:
        f.write(HEADER_O + "\n")
        while written < lines:
            order += 1
            count = min(rng.randint(1, 41), lines - written)
            who = phone(offset + rng.randrange(customers))
            day = 1 + order % 28
            paid = 0
            rows = []
            for k in range(count):
                qty = rng.randint(1, 12)
                price = rng.randint(50, 5000)
                amount = qty * price
                paid += amount
                rows.append(
                    f"SKU{rng.randrange(4000)},商品{k},杂货,{qty},{price / 100:.2f},{amount / 100:.2f}"
                )
            head = (
                f"{who},other,INV{order},2024-03-{day:02d} 10:00,{paid / 100:.2f},{paid / 100:.2f}"
            )
            refund = ",,,"
            if order % 50 == 0:
                refund = f"CN{order},{paid / 100:.2f},2024-04-{day:02d} 09:00"
            elif order % 20 == 0:
                refund = f"RF{order},{min(paid, 100) / 100:.2f},2024-04-{day:02d} 09:00"
            for k, row in enumerate(rows):
                f.write(f"{head},{row},{refund if k == 0 else ',,'}\n")
            written += count


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class PrivatePeak:
    """The peak of the process's private (anonymous) memory, sampled: the peak RSS also
    counts the pages of the database file SQLite reads through its memory map (a shared,
    reclaimable cache of the file, hundreds of MB once the tables are that big)."""

    def __init__(self) -> None:
        self.mb = 0.0
        self.status = Path("/proc/self/status")
        if self.status.exists():
            threading.Thread(target=self._sample, daemon=True).start()

    def _sample(self) -> None:
        while True:
            for line in self.status.read_text().splitlines():
                if line.startswith("RssAnon:"):
                    self.mb = max(self.mb, int(line.split()[1]) / 1024)
            time.sleep(0.01)


PRIVATE = PrivatePeak()


def run_import(kind: str, path: Path, writer: Any = None) -> Any:
    """What `siyu import KIND FILE` does: check every row, then write in chunks."""
    from siyu.imports.whole_file import check_path, import_path
    from siyu.imports.writer import Options

    checked = check_path(kind, path, lambda n: None, keep=True)
    if checked.errors:
        raise SystemExit(f"unexpected problems: {checked.errors[:3]}")
    return import_path(kind, path, Options(), lambda n: None, writer=writer, checked=checked)


CPU: dict[str, float] = {}
SERVER: dict[str, float] = {}


def timed(fn: Any, name: str = "") -> tuple[float, Any]:
    """Wall seconds (and, under ``name``, this process's CPU seconds: on a shared machine
    wall time says more about the neighbours than about the import; on PostgreSQL also
    the CPU seconds of this connection's server process, where COPY and the indexes run)."""
    start, cpu, server = time.perf_counter(), time.process_time(), server_cpu() if name else 0.0
    result = fn()
    if name:
        CPU[name] = time.process_time() - cpu
        SERVER[name] = server_cpu() - server
    return time.perf_counter() - start, result


def snapshot() -> list[Any]:
    from django.db.models import Count, Sum

    from siyu.customers.models import Customer, Identity, Order, OrderLine, Refund

    return [
        Customer.objects.count(),
        sorted(Customer.objects.values_list("display_name", "gender", "phone_last4")),
        Identity.objects.count(),
        sorted(
            Order.objects.values_list(
                "order_no", "paid_fen", "refunded_fen", "customer__display_name"
            )
        ),
        OrderLine.objects.aggregate(n=Count("id"), s=Sum("paid_fen")),
        Refund.objects.aggregate(n=Count("id"), s=Sum("amount_fen")),
    ]


class Rollback(Exception):
    pass


def in_rollback(fn: Any) -> tuple[float, Any]:
    from django.db import transaction

    box: list[Any] = []
    try:
        with transaction.atomic():
            box.append(timed(fn))
            box.append(snapshot())
            raise Rollback
    except Rollback:
        pass
    return box[0][0], box[1]


def per_row_baseline(tmp: Path, customers: int, lines: int) -> dict[str, Any]:
    from siyu.imports.engine import per_item_writer

    cpath, opath = tmp / "sample_c.csv", tmp / "sample_o.csv"
    write_customers(cpath, customers, offset=10**7)
    write_orders(opath, lines, customers, offset=10**7, seed=11)

    def both(writer: Any) -> Any:
        return (
            timed(lambda: run_import("customers", cpath, writer))[0],
            timed(lambda: run_import("orders", opath, writer))[0],
        )

    t_slow, s_slow = in_rollback(lambda: both(per_item_writer))
    t_fast, s_fast = in_rollback(lambda: both(None))
    return {"seconds": t_slow, "rows": customers + lines, "same": s_slow == s_fast, "fast": t_fast}


def bare_insert(customers: int, lines: int) -> float:
    """COPY (PostgreSQL) / executemany (SQLite) of the same number of customer and line
    rows into the same tables: the floor no import can beat."""
    from django.db import connection
    from django.utils import timezone

    from siyu.core.bulk_rows import copy_rows
    from siyu.customers.models import Customer, Order, OrderLine

    def work() -> None:
        now = timezone.now()
        template = Customer(created_at=now, updated_at=now)
        fields = [f for f in Customer._meta.concrete_fields if not f.primary_key]
        row = tuple(f.get_db_prep_save(getattr(template, f.attname), connection) for f in fields)
        copy_rows(
            Customer._meta.db_table,
            [f.column for f in fields],
            (row for _ in range(customers)),
            chunk=50_000,
        )
        order_id = Order.objects.values_list("pk", flat=True).first()
        line_rows = ((order_id, f"SKU{i}", "商品", "杂货", 2, 150, 300) for i in range(lines))
        cols = [
            "order_id",
            "sku",
            "product_name",
            "category",
            "quantity",
            "unit_price_fen",
            "paid_fen",
        ]
        copy_rows(OrderLine._meta.db_table, cols, line_rows, chunk=50_000)

    seconds, _snap = in_rollback(work)
    return (customers + lines) / seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--customers", type=int)
    parser.add_argument("--lines", type=int)
    args = parser.parse_args()
    customers = args.customers or (5_000 if args.quick else 50_000)
    lines = args.lines or (40_000 if args.quick else 1_000_000)
    setup_django("bench-imports", reuse=False)
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    import siyu.imports.bulk  # noqa: F401 - module loading (numpy, scipy) is not import speed

    tmp = Path(tempfile.mkdtemp(prefix="siyu-bench-imports-"))
    cpath, opath = tmp / "customers.csv", tmp / "orders.csv"
    write_customers(cpath, customers)
    write_orders(opath, lines, customers)
    print(f"{connection.vendor}: {customers:,} customers, {lines:,} order lines "
          f"({opath.stat().st_size / 1e6:.0f} MB)")  # fmt: skip

    t_c, tally_c = timed(lambda: run_import("customers", cpath), "customers")
    t_o, tally_o = timed(lambda: run_import("orders", opath), "orders")
    t_c2, again_c = timed(lambda: run_import("customers", cpath), "customers again")
    t_o2, again_o = timed(lambda: run_import("orders", opath), "orders again")
    # The imports' own peak, before the baselines below (a per-row sample and a bare COPY
    # of every row, each in a transaction rolled back) add theirs.
    import_peak, import_private = peak_mb(), PRIVATE.mb
    honest = (
        tally_c.created == customers
        and again_c.unchanged == customers
        and again_o.unchanged == tally_o.created
        and again_o.created == 0
    )
    base = per_row_baseline(tmp, max(customers // 20, 200), max(lines // 50, 2_000))
    copy_per_s = bare_insert(customers, lines)
    rows = [
        ("customers, first import", customers, t_c),
        ("order lines, first import", lines, t_o),
        ("customers, identical re-run", customers, t_c2),
        ("order lines, identical re-run", lines, t_o2),
        ("per-row path (sample, rows)", base["rows"], base["seconds"]),
        ("bulk path (same sample)", base["rows"], base["fast"]),
    ]
    print(f"{'step':34} {'rows':>10} {'seconds':>9} {'rows/s':>10}")
    for name, n, seconds in rows:
        print(f"{name:34} {n:>10,} {seconds:>9.2f} {n / seconds:>10,.0f}")
    cpu_rerun = (CPU["customers"] + CPU["orders"]) / (CPU["customers again"] + CPU["orders again"])
    print(f"CPU of this process: customers {customers / CPU['customers']:,.0f} rows/s, "
          f"order lines {lines / CPU['orders']:,.0f} lines/s, re-run speed-up {cpu_rerun:.2f}")  # fmt: skip
    if connection.vendor == "postgresql":
        both = {name: CPU[name] + SERVER[name] for name in CPU}
        print(f"CPU of this process and its server process: customers "
              f"{customers / both['customers']:,.0f} rows/s, order lines "
              f"{lines / both['orders']:,.0f} lines/s")  # fmt: skip
    print(f"bare insert ({'COPY' if connection.vendor == 'postgresql' else 'executemany'}): "
          f"{copy_per_s:,.0f} rows/s; counts honest: {honest}")  # fmt: skip
    print(f"peak RSS of the imports {import_peak:.0f} MB (private {import_private:.0f} MB); "
          f"with the baselines {peak_mb():.0f} MB (private {PRIVATE.mb:.0f} MB)")  # fmt: skip
    result = {
        "bench": "imports",
        "db": connection.vendor,
        "customers": customers,
        "order_lines": lines,
        "customers_per_s": round(customers / t_c),
        "order_lines_per_s": round(lines / t_o),
        "rerun_speedup": round((t_c + t_o) / (t_c2 + t_o2), 2),
        "peak_mb": round(import_peak),  # of the four imports, before the baselines
        "peak_private_mb": round(import_private),  # without the database file's mapped pages
        "peak_mb_with_baselines": round(peak_mb()),
        # This process's CPU only: on PostgreSQL the server's share is not in it.
        "customers_per_cpu_s": round(customers / CPU["customers"]),
        "order_lines_per_cpu_s": round(lines / CPU["orders"]),
        "rerun_speedup_cpu": round(cpu_rerun, 2),
        # PostgreSQL: this process's CPU plus its server process's (0 on SQLite).
        "server_cpu_s": {name: round(seconds, 2) for name, seconds in SERVER.items()},
        "baseline_copy_per_s": round(copy_per_s),
        "baseline_per_row_per_s": round(base["rows"] / base["seconds"]),
        "same_result": bool(base["same"] and honest),
    }
    print(json.dumps(result))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
