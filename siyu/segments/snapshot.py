"""Static snapshots: the members of a segment frozen at a moment, for a campaign list that
must not change under the operator's feet."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.db import transaction
from django.utils import timezone

from siyu.customers.retry import pause_for_other_writers
from siyu.segments.models import Membership, Segment, Snapshot, SnapshotMember

BATCH = 5000  # members written per transaction


def take_snapshot(
    segment: Segment,
    *,
    name: str = "",
    actor: AbstractBaseUser | AnonymousUser | None = None,
) -> Snapshot:
    """Freeze the current members (as of the last refresh) with the rule that chose them.

    The member list is read in one statement (a consistent view, whatever refreshes run
    meanwhile) and written in chunks of ``BATCH``, one transaction each, so a snapshot of
    500k members never holds SQLite's write lock for long. ``member_count`` is set once
    the last chunk is written: an interrupted snapshot never claims more than it holds."""
    now = timezone.now()
    ids = list(
        Membership.objects.filter(segment=segment, left_at__isnull=True)
        .order_by("customer_id")
        .values_list("customer_id", flat=True)
    )
    snapshot = Snapshot.objects.create(
        segment=segment,
        name=name.strip()[:100],
        rule=segment.rule,
        member_count=0,
        taken_at=now,
        created_by=actor if isinstance(actor, User) else None,
    )
    for start in range(0, len(ids), BATCH):
        if start:
            pause_for_other_writers()
        with transaction.atomic():
            SnapshotMember.objects.bulk_create(
                SnapshotMember(snapshot=snapshot, customer_id=cid)
                for cid in ids[start : start + BATCH]
            )
    Snapshot.objects.filter(pk=snapshot.pk).update(member_count=len(ids))
    snapshot.member_count = len(ids)
    return snapshot
