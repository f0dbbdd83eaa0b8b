"""Deletion: a person's personal data erased everywhere, the brand's figures kept.

What happens, table by table, is declared beside each table's merge policy
(``CustomerRows.erase`` / ``scrub``, see siyu/customers/person_rows.py) and by the text
holders (siyu/privacy/holders.py). The profile becomes an anonymous stub: every personal
field emptied, no identifier left (so no resolution, import, callback or send can reach
it), still holding the rows the brand's figures need (orders with their amounts and
dates, touches of channels), scrubbed of anything naming her. It stays a live profile so
that the users, buyers and GMV of past periods do not change; it leaves every segment,
and a segment whose rule matches its orders may list it again, as a number without a
name (a status of its own would need the customers app to distinguish it). Her identifiers and their blind indexes are deleted, and keyed
hashes of them are kept as tombstones (siyu/privacy/tombstones.py says what they block).

The audit record and the request's trail keep row counts per table: never what was
deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.db.models import Q

from siyu.core.audit import record_audit
from siyu.customers.changes import append_change
from siyu.customers.merge_hooks import REGISTRY
from siyu.customers.models import (
    ChangeKind,
    Customer,
    CustomerStatus,
    Gender,
    Identity,
    MergeRecord,
    SpendingPower,
)
from siyu.customers.person_rows import Erase
from siyu.privacy.holders import HOLDERS, Person
from siyu.privacy.models import ExportArchive, PrivacyRequest
from siyu.privacy.person import person_of, rows_of
from siyu.privacy.steps import record_step
from siyu.privacy.tombstones import lay_tombstones

Actor = AbstractBaseUser | AnonymousUser | None

# Every personal field of a profile, and what it becomes on the stub. Kept: the store it
# belongs to, when it was acquired and its lifecycle stage (counts in the brand's reports).
BLANK_PROFILE: dict[str, Any] = {
    "display_name": "",
    "real_name": "",
    "address": "",
    "phone_last4": "",
    "gender": Gender.UNKNOWN,
    "birthday": None,
    "region": "",
    "occupation": "",
    "interests": [],
    "spending_power": SpendingPower.UNKNOWN,
    "primary_owner": None,
    "needs_review": False,
}


class AlreadyErased(ValueError):
    pass


@dataclass(frozen=True)
class ErasePlan:
    """What a deletion will remove, for the confirmation page: counts, never values."""

    deleted: dict[str, int]
    kept_on_stub: dict[str, int]
    identifiers: int


def plan_erasure(customer: Customer) -> ErasePlan:
    person = person_of(customer)
    deleted: dict[str, int] = {}
    kept: dict[str, int] = {}
    for label, rows in sorted(REGISTRY.items()):
        count = rows_of(rows, person).count()
        if count:
            (kept if rows.erase == Erase.STUB else deleted)[label] = count
    for label, holder in sorted(HOLDERS.items()):
        count = holder.rows(person).count()
        if count:
            deleted[label] = count
    return ErasePlan(
        deleted, kept, Identity.objects.filter(customer_id__in=person.customer_ids).count()
    )


def _erase_rows(person: Person) -> dict[str, int]:
    done: dict[str, int] = {}
    for label, holder in sorted(HOLDERS.items()):
        done[label] = holder.erase(person)
    for label, rows in sorted(REGISTRY.items()):
        qs = rows_of(rows, person)
        count = qs.count()
        if not count:
            continue
        if rows.erase == Erase.STUB:
            if rows.scrub is not None:
                rows.scrub(qs)
            qs.update(**{rows.column: person.customer_id})
        else:
            qs.delete()
        done[label] = count
    return {k: v for k, v in done.items() if v}


@transaction.atomic
def erase_customer(
    customer: Customer, *, actor: Actor, request: PrivacyRequest | None = None
) -> dict[str, int]:
    """Erase one person (her profile and every profile merged into it). Returns rows per
    table that were deleted or scrubbed."""
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    if customer.status != CustomerStatus.ACTIVE:
        raise AlreadyErased(f"customer {customer.pk} is not a live profile")
    person = person_of(customer)
    keys = list(
        Identity.objects.filter(customer_id__in=person.customer_ids).values_list(
            "type", "namespace", "value"
        )
    )
    done = _erase_rows(person)
    Customer.objects.filter(pk__in=person.customer_ids).update(**BLANK_PROFILE)
    ExportArchive.objects.filter(request__customer_id__in=person.customer_ids).delete()
    records = MergeRecord.objects.filter(
        Q(survivor_id__in=person.customer_ids) | Q(merged_id__in=person.customer_ids)
    )
    done["customers.MergeRecord"] = records.update(moved={}, survivor_before={}, reason="erased")
    lay_tombstones(keys, erasure=customer.pk)
    done = {k: v for k, v in done.items() if v}
    append_change(customer.pk, ChangeKind.PROFILE, data={"fields": sorted(BLANK_PROFILE)})
    record_audit(actor, "privacy.erase", "customer", customer.pk, tables=done, tombstones=len(keys))
    if request is not None:
        record_step(request, "erased", actor, tables=done, tombstones=len(keys))
    return done
