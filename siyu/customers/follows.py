"""Which staff follow a customer on WeCom, and who is the primary owner.

The customer's store is the primary owner's store, kept in step here: a transfer to
another store's staff moves the customer into that store's scope (``scope.py``). When the
last follower leaves, the customer stays with the store it was in, so its manager can win
the customer back.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from siyu.core.models import Staff
from siyu.customers.changes import append_change
from siyu.customers.models import ChangeKind, Customer, CustomerFollow


# No savepoint of its own inside a caller's transaction (its error fails the caller's
# block anyway): two fewer round trips on every WeCom add.
@transaction.atomic(savepoint=False)
def follow_customer(
    customer: Customer, staff: Staff, *, primary: bool = False, at: datetime | None = None
) -> CustomerFollow:
    at = at or timezone.now()
    follow, created = CustomerFollow.objects.get_or_create(
        customer=customer, staff=staff, defaults={"created_at": at}
    )
    changed = created
    if not created and follow.ended_at is not None:
        follow.ended_at = None
        follow.save(update_fields=["ended_at"])
        changed = True
    if primary or customer.primary_owner_id is None:
        # By id: reading staff.org_unit would load the unit only to write its id back.
        org_unit_id = staff.org_unit_id
        Customer.objects.filter(pk=customer.pk).update(primary_owner=staff, org_unit_id=org_unit_id)
        customer.primary_owner = staff
        customer.org_unit_id = org_unit_id
        changed = True
    if changed:
        append_change(customer.pk, ChangeKind.FOLLOW, ref=staff.pk, data={"following": True})
    return follow


@transaction.atomic
def unfollow_customer(customer: Customer, staff: Staff, *, at: datetime | None = None) -> None:
    ended = CustomerFollow.objects.filter(
        customer=customer, staff=staff, ended_at__isnull=True
    ).update(ended_at=at or timezone.now())
    was_primary = customer.primary_owner_id == staff.pk
    if was_primary:
        nxt = (
            CustomerFollow.objects.filter(customer=customer, ended_at__isnull=True)
            .select_related("staff")
            .order_by("created_at")
            .first()
        )
        owner = nxt.staff if nxt else None
        org_unit_id = owner.org_unit_id if owner else customer.org_unit_id
        Customer.objects.filter(pk=customer.pk).update(primary_owner=owner, org_unit_id=org_unit_id)
        customer.primary_owner, customer.org_unit_id = owner, org_unit_id
    if ended or was_primary:
        append_change(customer.pk, ChangeKind.FOLLOW, ref=staff.pk, data={"following": False})
