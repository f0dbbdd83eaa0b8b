"""Coupon claims under contention, and the over-issue a naive implementation allows.

    DATABASE_URL=postgres://… uv run python benchmarks/claims.py [--quick] [--claims N] [--stock N]

N different people claim one coupon of S units at once from P forked processes (real
parallel writers, each with its own connection) through ``siyu.campaigns.claim``: the
count issued must be exactly S (over-issue 0). Baseline in the same run: the same claims
through a naive count-then-insert claim (count the issued rows, insert if under the
stock: what litemall and others do), which over-issues under contention. Meant for
PostgreSQL; on SQLite writers take turns, so both come out exact and slow. The database
named by DATABASE_URL gets the campaign tables emptied first (use a database of its own).
Last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import time
from typing import Any

from bench_env import setup_django

PROCESSES = 8
_start: Any = None


def _init(barrier: Any) -> None:
    global _start
    _start = barrier


def naive_claim(coupon_id: int, customer_id: int, stock: int) -> bool:
    from django.db import transaction
    from django.utils import timezone

    from siyu.campaigns.models import IssuedCoupon

    with transaction.atomic():
        if IssuedCoupon.objects.filter(coupon_id=coupon_id).count() >= stock:
            return False
        if IssuedCoupon.objects.filter(coupon_id=coupon_id, customer_id=customer_id).exists():
            return False
        IssuedCoupon.objects.create(
            coupon_id=coupon_id, customer_id=customer_id, created_at=timezone.now()
        )
        return True


def our_claim(coupon_id: int, customer_id: int, stock: int) -> bool:
    from siyu.campaigns.claim import claim_coupon
    from siyu.campaigns.refusals import Refused

    try:
        claim_coupon(coupon_id, customer_id)
        return True
    except Refused:
        return False


def _run(job: tuple[str, int, int, list[int]]) -> int:
    from django.db import connections

    name, coupon_id, stock, people = job
    claim = our_claim if name == "ours" else naive_claim
    _start.wait()
    try:
        return sum(claim(coupon_id, pk, stock) for pk in people)
    finally:
        connections.close_all()


def run(name: str, coupon_id: int, stock: int, people: list[int]) -> tuple[int, float]:
    from django.db import connections

    connections.close_all()
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(PROCESSES + 1)
    chunks = [(name, coupon_id, stock, people[i::PROCESSES]) for i in range(PROCESSES)]
    with ctx.Pool(PROCESSES, initializer=_init, initargs=(barrier,)) as pool:
        pending = pool.map_async(_run, chunks)
        barrier.wait()
        started = time.perf_counter()
        issued = sum(pending.get())
        elapsed = time.perf_counter() - started
    return issued, elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--claims", type=int, default=0)
    parser.add_argument("--stock", type=int, default=0)
    args = parser.parse_args()
    claims = args.claims or (300 if args.quick else 1000)
    stock = args.stock or claims // 10
    setup_django("bench-claims", reuse=False)
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from siyu.campaigns.models import CampaignStatus, Coupon, IssuedCoupon
    from siyu.customers.models import Customer

    call_command("migrate", interactive=False, verbosity=0)
    IssuedCoupon.objects.all().delete()
    Coupon.objects.all().delete()
    now = timezone.now()
    people = [
        c.pk
        for c in Customer.objects.bulk_create(
            Customer(display_name=f"bench-claim-{i}", created_at=now) for i in range(claims)
        )
    ]

    def coupon(limit: int | None) -> int:
        row = Coupon.objects.create(
            name="bench", kind="fixed", amount_fen=500, total_limit=limit,
            status=CampaignStatus.PUBLISHED, created_at=now,
        )  # fmt: skip
        return row.pk

    ours, ours_s = run("ours", coupon(stock), stock, people)
    # The naive claim keeps its stock in Python: the column limit would stop it.
    naive_id = coupon(None)
    _naive, naive_s = run("naive", naive_id, stock, people)
    naive_rows = IssuedCoupon.objects.filter(coupon_id=naive_id).count()
    load = os.getloadavg()[0]
    print(
        f"database {connection.vendor}, {claims} claims of {stock} units, {PROCESSES} processes, load {load:.1f}"
    )
    print(f"{'implementation':<22}{'issued':>8}{'over-issued':>13}{'claims/s':>10}")
    print(f"{'conditional UPDATE':<22}{ours:>8}{max(ours - stock, 0):>13}{claims / ours_s:>10.0f}")
    print(
        f"{'naive count-insert':<22}{naive_rows:>8}{max(naive_rows - stock, 0):>13}{claims / naive_s:>10.0f}"
    )
    Customer.objects.filter(pk__in=people).delete()
    result = {
        "bench": "claims",
        "database": connection.vendor,
        "claims": claims,
        "stock": stock,
        "issued": ours,
        "over_issued": max(ours - stock, 0),
        "claims_per_s": round(claims / ours_s),
        "naive_issued": naive_rows,
        "naive_over_issued": max(naive_rows - stock, 0),
        "naive_claims_per_s": round(claims / naive_s),
        "load": round(load, 1),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
