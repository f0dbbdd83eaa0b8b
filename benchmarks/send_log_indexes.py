"""The send log's insert speed with and without each of its indexes (messaging.py prints
it): what each index costs every planned send, measured in rolled-back transactions."""

from __future__ import annotations

import time
from datetime import datetime

INDEX_ROWS = 20_000


def index_costs(at: datetime) -> dict[str, float]:
    """Send-log rows inserted and committed per second (insert_sends: COPY on PostgreSQL,
    executemany on SQLite) with every index, with each index dropped in turn, and "before":
    with what this version removed put back (the budget's own index; on PostgreSQL the
    plan and task constraints, checked per row at commit, here at once); each in a
    transaction rolled back."""
    from django.db import connection, transaction

    from siyu.messaging.models import Send, SendPlan, StaffTask
    from siyu.messaging.rows import insert_sends

    quote = connection.ops.quote_name
    table = quote(Send._meta.db_table)
    plan = SendPlan.objects.create(
        source="index-bench", source_id=str(time.time_ns()), channel="wecom_customer",
        scheduled_at=at, created_at=at,
    )  # fmt: skip
    task = StaffTask.objects.create(plan=plan, channel="wecom_customer", due_at=at, created_at=at)
    rows = [
        (plan.pk, "index-bench", "k", f"c:{10**9 + i}", "wecom_customer", "marketing", None,
         "", None, task.pk, "queued", "", at, at.date(), "reserved", at, "", 0, "", at, None)
        for i in range(INDEX_ROWS)
    ]  # fmt: skip

    def timed(*ddl: str) -> float:
        with transaction.atomic():
            with connection.cursor() as cursor:
                for statement in ddl:
                    cursor.execute(statement)
            started = time.perf_counter()
            insert_sends(rows)
            if connection.vendor == "postgresql":  # what the commit would check
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            elapsed = time.perf_counter() - started
            transaction.set_rollback(True)
        return INDEX_ROWS / elapsed

    before = [
        f"CREATE INDEX send_budget_open ON {table} (recipient, budget_window)"
        " WHERE budget_state IN ('reserved', 'charged')"
    ]
    if connection.vendor == "postgresql":
        for column, parent in (("plan_id", SendPlan), ("task_id", StaffTask)):
            before.append(
                f"ALTER TABLE {table} ADD CONSTRAINT bench_{column} FOREIGN KEY ({column})"
                f" REFERENCES {quote(parent._meta.db_table)} (id) DEFERRABLE INITIALLY DEFERRED"
            )
    out = {"before (budget index, constraints)": timed(*before), "after (as now)": timed()}
    for index in Send._meta.indexes:
        out[f"without {index.name}"] = timed(f"DROP INDEX {quote(index.name)}")
    SendPlan.objects.filter(pk=plan.pk).delete()
    return out
