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

from django.db import IntegrityError, transaction
from django.db.models import F

from siyu.messaging.models import StaffDayCount


def _locked(staff_id: int, day: date) -> StaffDayCount:
    rows = StaffDayCount.objects.select_for_update().filter(staff_id=staff_id, day=day)
    row = rows.first()
    if row is not None:
        return row
    try:
        with transaction.atomic():
            StaffDayCount.objects.create(staff_id=staff_id, day=day, sent=0)
    except IntegrityError:
        pass  # another plan opened the day first; lock its row
    return rows.get()


def take_staff_quota(wanted: dict[int, int], day: date, limit: int) -> dict[int, int]:
    """Grant each staff member up to ``wanted[staff]`` sends under ``limit`` for ``day``;
    returns what was granted. Call inside the chunk's transaction."""
    granted: dict[int, int] = {}
    for staff_id in sorted(wanted):
        row = _locked(staff_id, day)
        grant = max(0, min(wanted[staff_id], limit - row.sent))
        if grant:
            StaffDayCount.objects.filter(pk=row.pk).update(sent=F("sent") + grant)
        granted[staff_id] = grant
    return granted


def staff_used(staff_ids: Iterable[int], day: date) -> dict[int, int]:
    rows = StaffDayCount.objects.filter(staff_id__in=list(staff_ids), day=day)
    return dict(rows.values_list("staff_id", "sent"))
