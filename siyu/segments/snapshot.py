"""Static snapshots: the members of a segment frozen at a moment, for a campaign list that
must not change under the operator's feet."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.db import transaction
from django.utils import timezone

from siyu.segments.models import Membership, Segment, Snapshot, SnapshotMember

BATCH = 5000


@transaction.atomic
def take_snapshot(
    segment: Segment,
    *,
    name: str = "",
    actor: AbstractBaseUser | AnonymousUser | None = None,
) -> Snapshot:
    """Freeze the current members (as of the last refresh) with the rule that chose them."""
    now = timezone.now()
    # Lock the segment so a refresh cannot change membership half-way through the copy.
    segment = Segment.objects.select_for_update().get(pk=segment.pk)
    ids = list(
        Membership.objects.filter(segment=segment, left_at__isnull=True)
        .order_by("customer_id")
        .values_list("customer_id", flat=True)
    )
    snapshot = Snapshot.objects.create(
        segment=segment,
        name=name.strip()[:100],
        rule=segment.rule,
        member_count=len(ids),
        taken_at=now,
        created_by=actor if isinstance(actor, User) else None,
    )
    SnapshotMember.objects.bulk_create(
        (SnapshotMember(snapshot=snapshot, customer_id=cid) for cid in ids), batch_size=BATCH
    )
    return snapshot
