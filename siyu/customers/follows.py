"""Which staff follow a customer on WeCom, and who is the primary owner."""

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
        org_unit_id = customer.org_unit_id or staff.org_unit_id
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
    if customer.primary_owner_id == staff.pk:
        nxt = (
            CustomerFollow.objects.filter(customer=customer, ended_at__isnull=True)
            .order_by("created_at")
            .first()
        )
        Customer.objects.filter(pk=customer.pk).update(primary_owner=nxt.staff if nxt else None)
    if ended or customer.primary_owner_id == staff.pk:
        append_change(customer.pk, ChangeKind.FOLLOW, ref=staff.pk, data={"following": False})
