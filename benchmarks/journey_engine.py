"""Journey engine throughput: N enrollments advance one step (a tag and a capped message)
on SQLite or on PostgreSQL (DATABASE_URL; its database is flushed first).

    uv run python benchmarks/journey_engine.py [--quick] [--n 1000000] [--batch 5000]

In the same run: (a) the baseline, a per-row ORM loop as cron engines do it (each
enrollment loaded, tagged, sent and saved on its own), on a sample; (b) the machine's
limit, a bare set-based SQL claim-and-advance of the same rows with no effects. Then, with
the N enrollments left waiting (a 30-day wait), the firing delay (due_at → effect written)
of a trickle of waits falling due over a few seconds, and the time to enrol the N.
Last line is JSON.

Where a batch's time went before the effects were set-based (cProfile, 10k enrollments,
batches of 5,000, tag + capped message + 30-day wait; SQLite / PostgreSQL, ~8 s a batch on
both): building ~30k model instances (StepEffect, CustomerTag, CustomerChange, the claimed
Enrollment rows) ~2 s; preparing their values one field at a time (JSON, datetimes) for
insert ~3 s / ~2 s (COPY); the tag step 1.7 s (its change rows 0.65 s); the message plan
0.7 s / 1.0 s; the claim (instances of 5,000 enrollments) 0.6 s; the wait step 0.5 s; the
state updates 0.5 s / 0.7 s. The SQL itself was a small part: the cost was Python per row.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import timedelta
from functools import partial
from typing import TYPE_CHECKING

from bench_env import in_workers, server_cpu, setup_django

if TYPE_CHECKING:
    from siyu.journeys.models import Journey

BASELINE_SAMPLE = 500
TRICKLE = 2000


def make_customers(n: int) -> list[int]:
    from django.utils import timezone

    from siyu.customers.models import Customer

    now, ids = timezone.now(), list[int]()
    for start in range(0, n, 5000):
        rows = Customer.objects.bulk_create(
            Customer(display_name=f"b{i}", created_at=now)
            for i in range(start, min(n, start + 5000))
        )
        ids.extend(c.pk for c in rows)
    return ids


def journey(name: str, graph: dict[str, object]) -> Journey:
    from siyu.journeys.models import Journey
    from siyu.journeys.versions import publish

    row = Journey.objects.create(name=name, draft=graph, reentry="always")
    publish(row)
    row.refresh_from_db()
    return row


def graph(tag_id: int) -> dict[str, object]:
    return {
        "start": "s0",
        "steps": {
            "s0": {"type": "tag", "tag_id": tag_id, "next": "s1"},
            "s1": {"type": "send", "text": "欢迎", "next": "s2"},
            "s2": {"type": "wait", "seconds": 30 * 86400, "next": "s3"},
            "s3": {"type": "end"},
        },
    }


def tag_graph(tag_id: int) -> dict[str, object]:
    """The tag step alone: the engine's own cost, without the message plan."""
    return {
        "start": "s0",
        "steps": {
            "s0": {"type": "tag", "tag_id": tag_id, "next": "s2"},
            "s2": {"type": "wait", "seconds": 30 * 86400, "next": "s3"},
            "s3": {"type": "end"},
        },
    }


def _drain(batch: int) -> tuple[float, float]:
    """This process's CPU seconds and its server backend's, for draining the due."""
    from siyu.journeys.engine import advance_due

    cpu, server = time.process_time(), server_cpu()
    while advance_due(limit=batch):
        pass
    return time.process_time() - cpu, server_cpu() - server


def run_engine(batch: int, workers: int = 1) -> tuple[float, float, float]:
    """Wall seconds, the workers' CPU seconds and their servers', for draining the due:
    in this process, or in ``workers`` processes claiming side by side (SKIP LOCKED)."""
    start = time.perf_counter()
    if workers <= 1:
        cpu, server = _drain(batch)
        return time.perf_counter() - start, cpu, server
    figures = in_workers(partial(_drain, batch), workers)
    wall = time.perf_counter() - start
    return wall, sum(f[0] for f in figures), sum(f[1] for f in figures)


def baseline(ids: list[int], tag_id: int) -> float:
    """Per row, as a cron engine does: load the row, run each action, save it."""
    from django.db import transaction
    from django.utils import timezone

    from siyu.customers.models import Customer, Tag
    from siyu.customers.tagging import add_tag
    from siyu.journeys.models import Enrollment
    from siyu.messaging.send import Message, SendRequest, send

    tag = Tag.objects.get(pk=tag_id)
    start = time.perf_counter()
    for pk in ids:
        with transaction.atomic():
            row = Enrollment.objects.select_for_update().get(pk=pk)
            add_tag(Customer.objects.get(pk=row.customer_id), tag)
            send(SendRequest(source="cron", source_id=str(pk), channel="wecom_customer",
                             message=Message(text="欢迎"), customers=[row.customer_id]))  # fmt: skip
            row.step, row.visit, row.due_at = "s2", 2, timezone.now() + timedelta(days=30)
            row.save(update_fields=["step", "visit", "due_at"])
    return len(ids) / (time.perf_counter() - start)


def limit(journey_id: int, batch: int) -> tuple[float, int]:
    """A bare claim-and-advance in SQL: no effects, no handlers."""
    from django.db import connection, transaction

    from siyu.journeys.models import Enrollment

    table = Enrollment._meta.db_table
    Enrollment.objects.filter(journey_id=journey_id).update(
        step="s2", due_at="2000-01-01T00:00:00Z"
    )
    lock = "FOR UPDATE SKIP LOCKED" if connection.vendor == "postgresql" else ""
    # ``journey_id + 0``: the claim walks the due index as the engine's does; compared
    # plainly, both databases chose the journey's index and sorted all its due rows per
    # claim (23k rows/s at 1M, below the engine itself).
    sql = f"""UPDATE {table} SET step = 's3', visit = visit + 1, due_at = '2100-01-01T00:00:00Z'
              WHERE id IN (SELECT id FROM {table} WHERE status = 'waiting' AND journey_id + 0 = %s
                           AND due_at <= '2001-01-01T00:00:00Z' ORDER BY due_at LIMIT %s {lock})"""  # noqa: S608
    moved, start = 0, time.perf_counter()
    while True:
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql, [journey_id, batch])
            if cur.rowcount <= 0:
                break
            moved += cur.rowcount
    return moved / (time.perf_counter() - start), moved


def fire_delay(tag_id: int, batch: int) -> float:
    """p99 of due_at → effect written, for waits falling due over 3 s in real time."""
    from django.utils import timezone

    from siyu.journeys.engine import advance_due
    from siyu.journeys.entries import Entrant, enroll
    from siyu.journeys.models import Enrollment, StepEffect

    trickle = journey("trickle", graph(tag_id))
    enroll(trickle, [Entrant(c) for c in make_customers(TRICKLE)], source="api")
    now = timezone.now()
    rows = list(Enrollment.objects.filter(journey=trickle))
    for i, row in enumerate(rows):
        row.due_at = now + timedelta(seconds=1 + 3 * i / len(rows))
    Enrollment.objects.bulk_update(rows, ["due_at"], batch_size=1000)
    deadline = time.monotonic() + 60
    while (
        Enrollment.objects.filter(journey=trickle, step="s0").exists()
        and time.monotonic() < deadline
    ):
        if advance_due(limit=batch) == 0:
            time.sleep(0.05)
    due = {r.pk: r.due_at for r in rows if r.due_at is not None}
    # created_at is the engine's clock for the batch: when it ran the step.
    delays = sorted(
        (e.created_at - due[e.enrollment_id]).total_seconds()
        for e in StepEffect.objects.filter(enrollment__journey=trickle, step="s0")
    )
    return delays[int(0.99 * (len(delays) - 1))] if delays else float("inf")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=0, help="default: the engine's BATCH")
    parser.add_argument(
        "--workers", type=int, default=0,
        help="worker processes for the main run (default: 2 on PostgreSQL, 1 on SQLite)",
    )  # fmt: skip
    args = parser.parse_args()
    n = 20_000 if args.quick else args.n
    setup_django("journey_engine", reuse=False)
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count

    call_command("migrate", verbosity=0)
    if connection.vendor == "postgresql":
        call_command("flush", interactive=False, verbosity=0)
    from siyu.customers.tagging import ensure_tag
    from siyu.journeys.engine import BATCH
    from siyu.journeys.entries import Entrant, enroll
    from siyu.journeys.models import Enrollment, StepEffect

    args.batch = args.batch or BATCH
    # SQLite has one writer: a second worker would only wait for the write lock.
    args.workers = args.workers or (2 if connection.vendor == "postgresql" else 1)
    tag, alone = ensure_tag("基准", "旅程"), ensure_tag("基准", "旅程·仅标签")
    ids = make_customers(n)
    tag_only = journey("tag only", tag_graph(alone.pk))
    t0 = time.perf_counter()
    enroll(tag_only, [Entrant(c) for c in ids], source="api")
    enrol_s = time.perf_counter() - t0
    tag_seconds, tag_cpu, tag_server = run_engine(args.batch)
    main_journey = journey("main", graph(tag.pk))
    enroll(main_journey, [Entrant(c) for c in ids], source="api")
    seconds, cpu, server = run_engine(args.batch, args.workers)
    effects = StepEffect.objects.filter(enrollment__journey=main_journey)
    steps = effects.filter(step__in=["s0", "s1"]).count()
    tag_steps = StepEffect.objects.filter(enrollment__journey=tag_only, step="s0").count()
    duplicated = (
        StepEffect.objects.values("enrollment", "step").annotate(k=Count("pk")).filter(k__gt=1)
    ).count()
    walked = Enrollment.objects.filter(journey__in=[main_journey, tag_only])
    lost = walked.exclude(step="s3").count()
    pending = Enrollment.objects.filter(status="waiting").count()
    fire_p99 = fire_delay(tag.pk, args.batch)
    sample = make_customers(min(BASELINE_SAMPLE, n))
    cron = journey("cron", graph(tag.pk))
    enroll(cron, [Entrant(c) for c in sample], source="api")
    base = baseline(
        list(Enrollment.objects.filter(journey=cron).values_list("pk", flat=True)), tag.pk
    )
    limit_per_s, _moved = limit(main_journey.pk, args.batch)
    figures = {
        "bench": "journey_engine", "db": connection.vendor, "n": n,
        "batch": args.batch, "workers": args.workers, "steps_per_s": round(steps / seconds),
        "tag_steps_per_s": round(tag_steps / tag_seconds),
        # CPU per enrollment (µs), this process and the database server: the figure that
        # does not depend on what else the machine ran.
        "cpu_us": round(cpu / n * 1e6), "server_cpu_us": round(server / n * 1e6),
        "tag_cpu_us": round(tag_cpu / n * 1e6), "tag_server_cpu_us": round(tag_server / n * 1e6),
        "baseline_per_s": round(2 * base),
        "limit_per_s": round(limit_per_s), "fire_p99_s": round(fire_p99, 3), "pending": pending,
        "enrol_s": round(enrol_s, 2), "duplicated": duplicated, "lost": lost,
        "load": os.getloadavg()[0],
    }  # fmt: skip
    print(f"{'db':<24}{connection.vendor}")
    print(f"{'enrollments':<24}{n}")
    print(f"{'enrol':<24}{enrol_s:.2f} s")
    print(
        f"{'engine':<24}{figures['steps_per_s']} steps/s ({seconds:.1f} s for {steps} steps,"
        f" {args.workers} worker{'s' if args.workers > 1 else ''})"
    )
    print(
        f"{'  cpu / enrollment':<24}{figures['cpu_us']} µs + server {figures['server_cpu_us']} µs"
    )
    print(f"{'engine, tag alone':<24}{figures['tag_steps_per_s']} steps/s ({tag_seconds:.1f} s)")
    print(
        f"{'  cpu / enrollment':<24}{figures['tag_cpu_us']} µs + server {figures['tag_server_cpu_us']} µs"
    )
    print(f"{'baseline (per-row ORM)':<24}{figures['baseline_per_s']} steps/s")
    print(f"{'limit (bare SQL)':<24}{figures['limit_per_s']} rows/s")
    print(f"{'firing delay p99':<24}{fire_p99:.3f} s with {pending} waits pending")
    print(f"{'duplicated / lost':<24}{duplicated} / {lost}")
    print(f"{'load (1 min)':<24}{figures['load']}")
    print(json.dumps(figures))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
