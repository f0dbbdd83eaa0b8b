"""Plan one send to N customers through the whole policy layer, then create its WeCom tasks.

Consent, reachability (the sender who follows each customer), caps per day and week in
the customer's zone, WeCom's budget ledger, quiet hours and staff limits for every
recipient, then one add_msg_template per sender (≤ 10,000 customers each) against the
WeCom simulator over HTTP. Baseline in the same run: a per-recipient ORM loop (the same
checks, one query each, one INSERT per send) over a sample, rolled back.

    uv run python benchmarks/messaging.py [--quick] [--customers N]   (DATABASE_URL: PostgreSQL)
"""

from __future__ import annotations

import argparse
import json
import os
import time
from datetime import UTC, datetime

from bench_env import cluster_cpu, in_workers, setup_django
from send_log_indexes import INDEX_ROWS, index_costs

BASELINE_SAMPLE = 3000  # 1,000 with --quick: the loop runs at ~50 recipients/s


def build(n: int) -> None:
    from django.core.management import call_command
    from django.db import connection

    from siyu.core.models import Staff
    from siyu.customers.bulk import insert_all
    from siyu.customers.models import Consent, Customer, CustomerFollow, Identity
    from siyu.demo.brand import build_brand

    call_command("migrate", interactive=False, verbosity=0)
    if Customer.objects.count() >= n:
        print(f"reusing {n:,} customers")
        return
    build_brand()
    staff = list(Staff.objects.exclude(wecom_userid=None).order_by("pk"))
    started = time.perf_counter()
    at = datetime(2026, 11, 1, tzinfo=UTC)
    step = 20_000
    for start in range(0, n, step):
        size = min(step, n - start)
        owners = [staff[(start + i) % len(staff)] for i in range(size)]
        people = insert_all(
            Customer,
            [
                Customer(
                    display_name=f"客{start + i}",
                    primary_owner=owners[i],
                    org_unit_id=owners[i].org_unit_id,
                    created_at=at,
                    first_seen_at=at,
                )
                for i in range(size)
            ],
        )
        insert_all(
            CustomerFollow,
            [
                CustomerFollow(customer=c, staff=o, created_at=at)
                for c, o in zip(people, owners, strict=True)
            ],
        )
        insert_all(
            Identity,
            [
                Identity(
                    customer=c,
                    type="wecom_external_userid",
                    namespace="ww",
                    value=f"wm{c.pk}",
                    created_at=at,
                )
                for c in people
            ],
        )
        # 9 in 10 agreed to marketing messages; the rest never answered.
        insert_all(
            Consent,
            [
                Consent(
                    customer=c,
                    purpose="marketing",
                    granted=True,
                    policy_version="v1",
                    source="bench",
                    occurred_at=at,
                )
                for c in people
                if c.pk % 10
            ],
        )
        print(f"  {start + size:>9,} customers  {time.perf_counter() - started:6.1f}s", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def baseline(at: datetime, sample_size: int) -> float:
    """Per recipient: consent, follower, caps and budget queries, then one INSERT."""
    from django.db import transaction

    from siyu.customers.consent import has_consent
    from siyu.customers.models import Customer, CustomerFollow
    from siyu.messaging.models import BudgetState, Channel, Priority, Send, SendPlan, SendStatus
    from siyu.messaging.windows import budget_window

    window, limit = budget_window(at, "month_days")
    sample = list(Customer.objects.order_by("pk")[:sample_size])
    started = time.perf_counter()
    with transaction.atomic():
        plan = SendPlan.objects.create(
            source="baseline",
            source_id="b",
            channel=Channel.WECOM_CUSTOMER,
            scheduled_at=at,
            created_at=at,
        )
        for customer in sample:
            key = f"c:{customer.pk}"
            ok = has_consent(customer, "marketing")
            follow = (
                CustomerFollow.objects.filter(customer=customer, ended_at__isnull=True)
                .order_by("created_at")
                .first()
            )
            today = (
                Send.objects.filter(recipient=key, local_day=at.date())
                .exclude(priority=Priority.TRANSACTIONAL)
                .count()
            )
            budget = Send.objects.filter(
                recipient=key, budget_window=window, budget_state__in=["reserved", "charged"]
            ).count()
            allowed = ok and follow is not None and today < 2 and budget < limit
            Send.objects.create(
                plan=plan,
                source="baseline",
                source_id="b",
                recipient=key,
                channel=Channel.WECOM_CUSTOMER,
                customer=customer,
                staff_id=follow.staff_id if follow else None,
                status=SendStatus.QUEUED if allowed else SendStatus.BLOCKED,
                due_at=at,
                local_day=at.date(),
                budget_state=BudgetState.RESERVED if allowed else "",
                budget_window=window if allowed else None,
                created_at=at,
            )
        elapsed = time.perf_counter() - started
        transaction.set_rollback(True)
    return len(sample) / elapsed


def over_cap() -> int:
    from django.db.models import Count

    from siyu.messaging.models import COUNTING, BudgetState, Send
    from siyu.messaging.policy import Rules
    from siyu.messaging.windows import budget_window

    rules = Rules.current()
    per_day = (
        Send.objects.filter(status__in=COUNTING)
        .values("recipient", "local_day")
        .annotate(n=Count("pk"))
        .filter(n__gt=rules.day_cap)
    )
    budget = (
        Send.objects.filter(budget_state__in=[BudgetState.RESERVED, BudgetState.CHARGED])
        .values("recipient", "budget_window")
        .annotate(n=Count("pk"))
    )
    limit = budget_window(datetime(2026, 12, 15, tzinfo=UTC), rules.budget_rule)[1]
    return per_day.count() + budget.filter(n__gt=limit).count()


def _create_all() -> None:
    from siyu.messaging.delivery import create_due_tasks

    while create_due_tasks(limit=1000):
        pass


def create_tasks(workers: int) -> None:
    """The due WeCom tasks created by ``workers`` worker processes side by side (each
    claims its own with SKIP LOCKED), as a deployment's workers do; the simulator keeps
    serving from this process."""
    if workers <= 1:
        _create_all()
        return
    in_workers(_create_all, workers)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="20,000 customers")
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument(
        "--workers", type=int, default=0,
        help="worker processes creating the WeCom tasks (default: 2 on PostgreSQL, 1 on SQLite)",
    )  # fmt: skip
    args = parser.parse_args()
    n = 20_000 if args.quick else args.customers
    setup_django(f"bench-messaging-{n}", reuse=args.reuse)
    from collections import Counter

    from django.db import connection
    from django.test.utils import override_settings

    from siyu.customers.models import Customer
    from siyu.integrations.wecom.simulator.server import start_server
    from siyu.integrations.wecom.simulator.testing import make_simulator
    from siyu.messaging.models import Channel, Send, StaffDayCount, StaffTask
    from siyu.messaging.send import CHUNK, Message, SendRequest, send

    build(n)
    # SQLite has one writer: a second worker would only wait for the write lock.
    workers = args.workers or (2 if connection.vendor == "postgresql" else 1)
    # Noon in Shanghai: outside quiet hours, so every task is due at once.
    at = datetime(2026, 12, 15, 4, 0, tzinfo=UTC)
    base = baseline(at, 1000 if args.quick else BASELINE_SAMPLE)
    costs = index_costs(at)
    Send.objects.filter(source="bench").delete()
    StaffTask.objects.all().delete()
    # A --reuse run starts with the senders' day counters of the runs before it spent:
    # without this it blocks sends with staff_limit and plans a smaller send.
    StaffDayCount.objects.all().delete()
    if connection.vendor == "postgresql":
        # The measurements above leave ~180,000 rolled-back rows behind, which autovacuum
        # would clear later; measured with them, the first chunk's reads scanned them.
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {Send._meta.db_table}")
    queries = 0

    slow: list[tuple[float, str]] = []

    def counted(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        nonlocal queries
        queries += 1
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            if (took := time.perf_counter() - began) > 0.5:  # a statement planned badly
                slow.append((took, " ".join(sql.split())[:160]))

    from django.db.backends.signals import connection_created

    def count_too(sender, connection, **kwargs):  # type: ignore[no-untyped-def]
        connection.execute_wrappers.append(counted)  # the planner's second thread's

    # The whole server's CPU: a big plan is planned on two connections (overlap.py).
    server_before = cluster_cpu()
    cpu_before = time.process_time()
    started = time.perf_counter()
    connection_created.connect(count_too)
    with connection.execute_wrapper(counted):
        outcome = send(
            SendRequest(
                source="bench",
                source_id=f"run-{time.time_ns()}",
                channel=Channel.WECOM_CUSTOMER,
                message=Message(text="双十二会员日"),
                customers=Customer.objects.all(),
                at=at,
            )
        )
    planned = time.perf_counter() - started
    client = time.process_time() - cpu_before
    on_server = cluster_cpu() - server_before
    connection_created.disconnect(count_too)
    load = os.getloadavg()
    # Every customer of the database is a recipient (a PostgreSQL database built for a
    # smaller run before holds more than n).
    n = sum(outcome.counts.values())
    per_s = n / planned

    from siyu.core.models import Staff

    sim = make_simulator(corp_id="wwbench", per_minute_limit=10_000)
    sim.add_staff(*[s.wecom_userid or "" for s in Staff.objects.exclude(wecom_userid=None)])
    server = start_server(sim)
    os.environ.setdefault("SIYU_WECOM_GUARD_TRANSACTIONS", "")
    with override_settings(
        SIYU_WECOM_CORP_ID="wwbench", SIYU_WECOM_SECRET=sim.secret, SIYU_WECOM_API_BASE=server.url
    ):
        from siyu.integrations.wecom.transport import use_transport

        use_transport(None)
        # The send was planned for a noon in the future: its tasks are due now.
        from django.utils import timezone

        StaffTask.objects.update(due_at=timezone.now())
        started = time.perf_counter()
        create_tasks(workers)
        created = time.perf_counter() - started
    server.stop()
    calls = Counter(path for path, _code in sim.calls)
    targets = Counter(t for task in sim.mass_tasks.values() for t in task.targets)
    duplicated = sum(k - 1 for k in targets.values() if k > 1)
    wecom_calls = sum(calls.values()) + sim.gettoken_calls
    print(f"\n{'db':<12}{connection.vendor}\n{'recipients':<12}{n:,}")
    print(
        f"{'planned':<12}{planned:8.1f} s  {per_s:10,.0f} recipients/s  (baseline ORM loop {base:,.0f}/s)"
    )
    print(
        f"{'cpu':<12}{client:.1f} s this process + {on_server:.1f} s database server (all its processes)"
        f" = {n / (client + on_server):,.0f} recipients per CPU second"
        f"  (load {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} on {os.cpu_count()} cores)"
    )
    for took, sql in sorted(slow, reverse=True)[:5]:
        print(f"{'slow':<12}{took:6.2f} s  {sql}")
    chunks = -(-n // CHUNK)
    print(f"{'queries':<12}{queries:,} ({queries / chunks:.1f} per chunk of {CHUNK:,})")
    print(f"{'decisions':<12}{dict(outcome.counts)}")
    print(f"{'tasks':<12}{outcome.tasks} staff tasks created at WeCom in {created:.1f} s")
    print(
        f"{'end to end':<12}{n / (planned + created):10,.0f} recipients/s"
        f" (planned in one process, their WeCom tasks created by {workers} worker(s))"
    )
    print(
        f"{'wecom calls':<12}{wecom_calls} ({dict(calls)}) against a quota of 10,000 a minute per API"
    )
    print(
        f"\nsend-log inserts of {INDEX_ROWS:,} rows (rows/s, best of one; the machine is shared):"
    )
    for label, rate in costs.items():
        print(f"  {label:<40}{rate:12,.0f}")
    figures = {
        "bench": "messaging",
        "db": connection.vendor,
        "recipients": n,
        "recipients_per_s": round(per_s),
        "baseline_per_s": round(base),
        "tasks_s": round(created, 1),
        "task_workers": workers,
        "end_to_end_per_s": round(n / (planned + created)),
        "queries_per_chunk": round(queries / chunks, 1),
        "chunk": CHUNK,
        "client_cpu_s": round(client, 2),
        "server_cpu_s": round(on_server, 2),
        "per_cpu_s": round(n / (client + on_server)),
        "load": round(load[0], 1),
        "wecom_calls": wecom_calls,
        "tasks": outcome.tasks,
        "over_cap": over_cap(),
        "duplicated": duplicated,
        "insert_per_s_before": round(costs["before (budget index, constraints)"]),
        "insert_per_s_after": round(costs["after (as now)"]),
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
