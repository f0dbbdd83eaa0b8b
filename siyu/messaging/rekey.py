"""The send log follows a merge: a merged profile's sends are re-keyed to the survivor.

A send names its recipient twice, by ``customer`` (moved by the merge hook) and by the
``recipient`` key the caps, the WeCom budget ledger and the idempotency key read
(``c:<customer id>``). Re-keying makes the person's earlier sends count under the
survivor's caps and budget from the moment of the merge. One case cannot be re-keyed: a
plan that reached both profiles holds a row for each, and the idempotency key allows one
per recipient, so the merged profile's row keeps its old key (the send happened; it is
still listed under the survivor's customer). Unmerge re-keys back (merge_hooks.py).
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef

from siyu.messaging.models import Send


def rekey_sends(ids: list[int], to_customer: int, from_customer: int) -> None:
    old, new = f"c:{from_customer}", f"c:{to_customer}"
    taken = Send.objects.filter(
        recipient=new,
        source=OuterRef("source"),
        source_id=OuterRef("source_id"),
        channel=OuterRef("channel"),
    )
    Send.objects.filter(pk__in=ids, recipient=old).exclude(Exists(taken)).update(recipient=new)
