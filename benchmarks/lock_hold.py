"""SQLite's one write lock during big writes, and whether WeCom callbacks are still
acknowledged within 5 s meanwhile.

    uv run python benchmarks/lock_hold.py [--quick] [--batch N] [--members N]

Phases, on a fresh SQLite file under var/bench-lock (WAL, IMMEDIATE transactions, as
shipped): a batch ingest of N events for N new people through ``apply_batch`` (the HTTP
batch API and CSV import path), then the first fill of a segment of M members, chunked as
the product does it. Baselines: the same batch and the same fill in one transaction each
(how they were written before). The write lock is held from ``BEGIN IMMEDIATE`` to ``COMMIT``: both are read from
SQLite's statement trace of the writing connection. Meanwhile a second process (where
the web server would be) stores a callback in the WeCom inbox every 100 ms, as the
callback view does before it answers, and records how long each took. Last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench_env import setup_django

ACK_LIMIT_S = 5.0
NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)


@dataclass
class LockTrace:
    """Write-lock holds of one connection, from its statement trace."""

    began: float | None = None
    holds: list[float] = field(default_factory=list)

    def __call__(self, sql: str) -> None:
        head = sql.lstrip()[:12].upper()
        if head.startswith("BEGIN"):
            self.began = time.perf_counter()
        elif head.startswith(("COMMIT", "ROLLBACK")) and self.began is not None:
            self.holds.append(time.perf_counter() - self.began)
            self.began = None

    def longest(self) -> float:
        return max(self.holds, default=0.0)


def probe_loop(out: str, every: float) -> None:
    """Run in its own process (the web server's place): store a callback every ``every``
    seconds and append "started_at wait ok" lines to ``out`` until killed."""
    from siyu.integrations.wecom.receive import store_callback

    with open(out, "a", buffering=1) as sink:
        while True:
            started, clock = time.time(), time.perf_counter()
            nonce = uuid.uuid4().hex
            data = {
                "ToUserName": "wwbench",
                "MsgType": "event",
                "Event": "change_external_contact",
                "ChangeType": "edit_external_contact",
                "UserID": "zhangsan",
                "ExternalUserID": f"wm{nonce}",
                "CreateTime": str(int(started)),
            }
            ok = 1
            try:
                store_callback(
                    corp_id="wwbench",
                    timestamp=int(started),
                    nonce=nonce,
                    plain=b"<xml/>",
                    data=data,
                )
            except Exception:
                ok = 0  # "database is locked": a callback left unanswered
            sink.write(f"{started:.6f} {time.perf_counter() - clock:.6f} {ok}\n")
            time.sleep(every)


@dataclass
class Probe:
    """The probe process and what it wrote."""

    out: Path
    process: subprocess.Popen[bytes]

    @classmethod
    def start(cls, every: float = 0.1) -> Probe:
        out = Path(tempfile.mkstemp(prefix="siyu-probe-", suffix=".txt")[1])
        command = [sys.executable, __file__, "--probe", str(out), "--every", str(every)]
        probe = cls(out, subprocess.Popen(command, env=os.environ.copy()))  # noqa: S603
        while out.stat().st_size == 0:  # started and stored its first callback
            time.sleep(0.1)
        return probe

    def waits(self, since: float, until: float) -> list[tuple[float, bool]]:
        found = []
        for line in self.out.read_text().splitlines():
            started, wait, ok = line.split()
            if since <= float(started) <= until:
                found.append((float(wait), ok == "1"))
        return found

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(30)
        self.out.unlink(missing_ok=True)


def traced() -> LockTrace:
    from django.db import connection

    trace = LockTrace()
    connection.ensure_connection()
    connection.connection.set_trace_callback(trace)
    return trace


def ingest(n: int, *, one_transaction: bool, offset: int = 0) -> float:
    from siyu.customers import batch
    from siyu.customers.batch import apply_batch

    chunking = batch.WRITE_CHUNK, batch.WRITE_SECONDS
    if one_transaction:  # the baseline: how batches were written before
        batch.WRITE_CHUNK, batch.WRITE_SECONDS = batch.MAX_ITEMS, float("inf")
    items = [
        {
            "identities": [{"type": "phone", "value": f"139{10_000_000 + (offset + i) * 7:08d}"}],
            "type": "view",
            "occurred_at": (NOW - timedelta(seconds=i)).isoformat(),
        }
        for i in range(n)
    ]
    started = time.perf_counter()
    try:
        result = apply_batch("events", items, partial=False, source="bench")
    finally:
        batch.WRITE_CHUNK, batch.WRITE_SECONDS = chunking
    if not result.ok:
        raise SystemExit(f"batch refused: {result.errors[:3]}")
    return time.perf_counter() - started


def load_members(m: int) -> None:
    """M people with a WeCom contact id, through the bulk resolution first loads use."""
    from siyu.customers.identity_rules import IdentityInput
    from siyu.customers.resolve_batch import build_graph, persist, plan

    observations = [
        [IdentityInput("wecom_external_userid", f"wmfill{i}", "wwbench")] for i in range(m)
    ]
    persist(plan(build_graph(observations)), source="bench", at=NOW)


def fill(name: str, *, one_transaction: bool) -> tuple[float, int]:
    from django.db import transaction

    from siyu.segments.define import create_segment
    from siyu.segments.membership import refresh_segment

    rule = {"kind": "identity", "identity_type": "wecom_external_userid"}
    segment = create_segment(name, rule)
    started = time.perf_counter()
    if one_transaction:
        with transaction.atomic():
            result = refresh_segment(segment.pk, now=NOW)
    else:
        result = refresh_segment(segment.pk, now=NOW)
    return time.perf_counter() - started, result.members


def phase(label: str, trace: LockTrace, probe: Probe, work: Any) -> dict[str, float]:
    trace.holds.clear()
    since = time.time()
    seconds, *rest = work()
    time.sleep(0.5)  # let the probe's last callback of the phase finish
    waits = probe.waits(since, time.time() - 0.5)
    figures = {
        "seconds": round(seconds, 2),
        "longest_lock_s": round(trace.longest(), 3),
        "lock_holds": len(trace.holds),
        "callbacks": len(waits),
        "slowest_ack_s": round(max((w for w, _ in waits), default=0.0), 3),
        "late_acks": sum(w > ACK_LIMIT_S or not ok for w, ok in waits),
    }
    if rest:
        figures["members"] = rest[0]
    print(
        f"{label:<34} {figures['seconds']:>8.2f} {figures['longest_lock_s']:>10.3f}"
        f" {figures['callbacks']:>9} {figures['slowest_ack_s']:>10.3f} {figures['late_acks']:>5}"
    )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=10_000, help="items in the batch ingest")
    parser.add_argument("--members", type=int, default=100_000, help="members of the fill")
    parser.add_argument("--quick", action="store_true", help="1,000 items, 10,000 members")
    parser.add_argument("--probe", help=argparse.SUPPRESS)
    parser.add_argument("--every", type=float, default=0.1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.probe:
        setup_django("bench-lock", reuse=True, sqlite_only=True)
        probe_loop(args.probe, args.every)
        return
    if args.quick:
        args.batch, args.members = 1_000, 10_000
    setup_django("bench-lock", reuse=False, sqlite_only=True)
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    load_members(args.members)
    trace = traced()
    probe = Probe.start()
    print(
        f"{'phase':<34} {'seconds':>8} {'lock max s':>10} {'callbacks':>9} {'ack max s':>10} {'>5 s':>5}"
    )
    try:
        batch = phase(
            f"batch ingest, {args.batch} items",
            trace,
            probe,
            lambda: (ingest(args.batch, one_transaction=False),),
        )
        batch_baseline = phase(
            "baseline: batch in one transaction",
            trace,
            probe,
            lambda: (ingest(args.batch, one_transaction=True, offset=args.batch),),
        )
        chunked = phase(
            f"first fill, {args.members} members",
            trace,
            probe,
            lambda: fill("chunked", one_transaction=False),
        )
        baseline = phase(
            "baseline: fill in one transaction",
            trace,
            probe,
            lambda: fill("whole", one_transaction=True),
        )
    finally:
        probe.stop()
    print(
        json.dumps(
            {
                "bench": "lock_hold",
                "database": "sqlite",
                "batch_items": args.batch,
                "members": args.members,
                "batch_longest_lock_s": batch["longest_lock_s"],
                "batch_slowest_ack_s": batch["slowest_ack_s"],
                "fill_longest_lock_s": chunked["longest_lock_s"],
                "fill_slowest_ack_s": chunked["slowest_ack_s"],
                "fill_seconds": chunked["seconds"],
                "late_acks": batch["late_acks"] + chunked["late_acks"],
                "baseline_batch_longest_lock_s": batch_baseline["longest_lock_s"],
                "baseline_batch_slowest_ack_s": batch_baseline["slowest_ack_s"],
                "baseline_fill_longest_lock_s": baseline["longest_lock_s"],
                "baseline_fill_slowest_ack_s": baseline["slowest_ack_s"],
                "baseline_late_acks": baseline["late_acks"] + batch_baseline["late_acks"],
            }
        )
    )


if __name__ == "__main__":
    main()
