"""Freshness of segment membership: from an event's commit to the customer's entry into the
segment, with a steady stream of changes, on PostgreSQL.

    DATABASE_URL=postgres://… uv run python benchmarks/freshness.py [--quick]
        [--rate 1000] [--seconds 60] [--segments 5] [--consumers 1]

The database named by DATABASE_URL is flushed first (use a database of its own). N
customers are loaded with the bulk resolution; a target segment ("viewed at least once")
and a few others are defined. A writer then appends ``view`` events for customers not yet
in the segment at ``--rate`` per second for ``--seconds``, in 100 ms ticks, each tick one
transaction through the events verb (its change rows in the same transaction). Consumer
processes run the worker's poller loop for the segment feed (siyu.worker.pollers), as
``siyu worker`` does. Latency per event: from the writer's commit to the ``created_at`` of
the customer's ``segment_entered`` event, written in the refresh transaction. An event
whose customer has not entered 30 s after the stream ended is missed. The baseline is the
periodic sweep alone (before the feed, bulk writes waited for it): its interval, 900 s,
is the expected staleness of a change that fired no signal. Last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime

from bench_env import setup_django

TICK = 0.1
SETTLE_SECONDS = 30.0
SWEEP_SECONDS = 900


def consume_forever() -> None:
    """A consumer process: the poller loop of ``siyu worker`` for the segment feed only."""
    from siyu.worker import pollers

    pollers.POLLERS = {k: v for k, v in pollers.POLLERS.items() if k == "segments_feed"}
    pollers.drain_pollers()  # connected, imported and caught up: tell the writer to start
    print("ready", flush=True)
    stop = threading.Event()
    for thread in pollers.start_pollers(stop):
        thread.join()


def load(customers: int, segments: int) -> list[int]:
    from siyu.customers.identity_rules import IdentityInput
    from siyu.customers.models import Customer
    from siyu.customers.resolve_batch import build_graph, persist, plan
    from siyu.segments.define import create_segment

    observations = [[IdentityInput("app_user_id", f"fresh-{i}")] for i in range(customers)]
    persist(plan(build_graph(observations)), source="bench", at=datetime.now(UTC))
    create_segment("viewed", {"kind": "event", "event_type": "view", "op": ">=", "value": 1})
    for n in range(segments - 1):  # others that every refresh evaluates too
        create_segment(
            f"other {n}", {"kind": "event", "event_type": f"buy{n}", "op": ">=", "value": 1}
        )
    return list(Customer.objects.order_by("pk").values_list("pk", flat=True))


def skip_history() -> None:
    """The load's own changes are not part of the stream: start consumers after them."""
    from siyu.customers.changes import latest_position
    from siyu.customers.models import FeedCursor
    from siyu.segments.feed import CONSUMER

    tx, last_id = latest_position()
    FeedCursor.objects.update_or_create(
        consumer=CONSUMER, defaults={"position_tx": tx, "position_id": last_id}
    )


def stream(ids: list[int], rate: int, seconds: float) -> dict[int, float]:
    """Append events at ``rate``/s; return commit time per customer."""
    from django.db import transaction

    from siyu.customers.events import record_new_events
    from siyu.customers.models import Event

    per_tick = max(1, round(rate * TICK))
    ticks = int(seconds / TICK)
    committed: dict[int, float] = {}
    start = time.monotonic()
    for tick in range(ticks):
        batch = ids[tick * per_tick : (tick + 1) * per_tick]
        if not batch:
            break
        now = datetime.now(UTC)
        events = [
            Event(
                customer_id=cid,
                type="view",
                occurred_at=now,
                source="bench",
                idempotency_key=f"fresh:{uuid.uuid4().hex}",
            )
            for cid in batch
        ]
        with transaction.atomic():
            record_new_events(events)
        done = time.time()
        committed.update(dict.fromkeys(batch, done))
        lag = start + (tick + 1) * TICK - time.monotonic()
        if lag > 0:
            time.sleep(lag)
    return committed


def entered(ids: list[int]) -> dict[int, float]:
    from siyu.customers.models import Event

    rows = Event.objects.filter(type="segment_entered", customer_id__in=ids)
    return {cid: at.timestamp() for cid, at in rows.values_list("customer_id", "created_at")}


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=int, default=1000, help="changes per second")
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the stream")
    parser.add_argument("--segments", type=int, default=5, help="active segments")
    parser.add_argument("--consumers", type=int, default=1, help="consumer processes")
    parser.add_argument("--quick", action="store_true", help="a 15 s stream")
    parser.add_argument("--consume", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("set DATABASE_URL to a PostgreSQL database of its own")
    setup_django("bench-freshness", reuse=True)
    if args.consume:
        consume_forever()
        return
    if args.quick:
        args.seconds = 15.0
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    wanted = int(args.rate * args.seconds)
    ids = load(wanted, args.segments)
    skip_history()
    command = [sys.executable, __file__, "--consume"]
    workers = [
        subprocess.Popen(command, stdout=subprocess.PIPE, text=True)  # noqa: S603
        for _ in range(args.consumers)
    ]
    try:
        for worker in workers:
            assert worker.stdout is not None
            worker.stdout.readline()  # "ready"
        began = time.monotonic()
        committed = stream(ids, args.rate, args.seconds)
        streamed_s = time.monotonic() - began
        deadline = time.monotonic() + SETTLE_SECONDS
        seen = entered(list(committed))
        while len(seen) < len(committed) and time.monotonic() < deadline:
            time.sleep(1.0)
            seen = entered(list(committed))
    finally:
        for worker in workers:
            worker.terminate()
            worker.wait(30)
    latencies = [max(0.0, seen[c] - t) for c, t in committed.items() if c in seen]
    step = max(1, len(latencies) // 10)
    print("latency along the stream (s):", " ".join(f"{x:.1f}" for x in latencies[::step]))
    missed = len(committed) - len(latencies)
    achieved = len(committed) / streamed_s if streamed_s else 0.0
    p50, p95, worst = percentile(latencies, 0.5), percentile(latencies, 0.95), max(latencies)
    print(f"{'changes':>8} {'rate/s':>8} {'p50 s':>7} {'p95 s':>7} {'max s':>7} {'missed':>7}")
    print(f"{len(committed):>8} {achieved:>8.0f} {p50:>7.2f} {p95:>7.2f} {worst:>7.2f} {missed:>7}")
    print(f"baseline (the 15-minute sweep alone): up to {SWEEP_SECONDS} s per change")
    figures = {
        "bench": "freshness",
        "rate_per_s": args.rate,
        "achieved_rate_per_s": round(achieved),
        "changes": len(committed),
        "segments": args.segments,
        "consumers": args.consumers,
        "p50_s": round(p50, 2),
        "p95_s": round(p95, 2),
        "max_s": round(worst, 2),
        "missed": missed,
        "baseline_sweep_s": SWEEP_SECONDS,
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
