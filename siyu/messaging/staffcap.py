"""The per-staff daily limit, counted durably: one row per (staff, brand day).

A plan's chunk decides its recipients, then takes what its senders need from their rows in
the same transaction: each row is locked (pk order of the staff, so two plans never wait
on each other crosswise), the room left under the limit is granted, and sends beyond it
are blocked with ``staff_limit``. The lock is what makes two concurrent plans add up: the
second reads the first's committed count. What was granted stays taken for the day even
if a send later fails (the limit is never exceeded; at worst it is met early).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db import connection

from siyu.messaging.models import StaffDayCount


def take_staff_quota(wanted: dict[int, int], day: date, limit: int) -> dict[int, int]:
    """Grant each staff member up to ``wanted[staff]`` sends under ``limit`` for ``day``;
    returns what was granted. Call inside the chunk's transaction.

    Three statements for all the chunk's senders, however many: open the missing day rows
    (a conflict means another plan opened one first), lock every row in staff pk order,
    then one prepared UPDATE adds each grant."""
    if not wanted:
        return {}
    StaffDayCount.objects.bulk_create(
        [StaffDayCount(staff_id=s, day=day, sent=0) for s in sorted(wanted)],
        ignore_conflicts=True,
    )
    rows = (
        StaffDayCount.objects.select_for_update()
        .filter(staff_id__in=sorted(wanted), day=day)
        .order_by("staff_id")
        .values_list("pk", "staff_id", "sent")
    )
    granted: dict[int, int] = {}
    adds: dict[int, int] = {}
    for pk, staff_id, sent in rows:
        grant = max(0, min(wanted[staff_id], limit - sent))
        granted[staff_id] = grant
        if grant:
            adds[pk] = grant
    if adds:
        # One prepared statement for every row: Django compiles a CASE of many branches
        # slower than the database runs it (measured: 50 ms for 28 senders).
        table = connection.ops.quote_name(StaffDayCount._meta.db_table)
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {table} SET sent = sent + %s WHERE id = %s",  # noqa: S608 - a quoted table name
                [(n, pk) for pk, n in sorted(adds.items())],
            )
    return granted


def staff_used(staff_ids: Iterable[int], day: date) -> dict[int, int]:
    rows = StaffDayCount.objects.filter(staff_id__in=list(staff_ids), day=day)
    return dict(rows.values_list("staff_id", "sent"))
