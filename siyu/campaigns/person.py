"""The person behind a profile, for "one per person" limits.

A limit counts per person, not per profile or account: a profile merged into another
counts as the profile it was merged into (``merged_into``, followed to the end), so a
person claiming through both of their merged profiles at once meets one allowance row.
The survivor's row is locked for the claim, so the claims of one person run one at a
time, and a merge (which locks both profiles) never runs half-way beside a claim.

An identifier marked shared (a store's phone given by several walk-in customers) names
no one person: a claim made with it alone is refused rather than counted against whoever
the phone was first seen with, and the profiles that share it keep their own limits.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from siyu.customers.models import Customer, Identity, IdentityStatus

MAX_HOPS = 32  # a merge chain longer than this is a loop, not a person


class NoPerson(LookupError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def person_id_of(customer_id: int) -> int:
    """The surviving profile of ``customer_id`` (itself when never merged)."""
    current = customer_id
    for _hop in range(MAX_HOPS):
        found = Customer.objects.filter(pk=current).values_list("merged_into_id", flat=True)
        row = list(found)
        if not row:
            raise NoPerson(_("No such customer."))
        if row[0] is None:
            return current
        current = int(row[0])
    raise NoPerson(_("This profile's merges form a loop; it is waiting for review."))


def lock_person(customer_id: int) -> Customer:
    """Row-lock the person's surviving profile (inside the caller's transaction).

    The chain is read without locks, then the end is locked and re-checked: a merge that
    committed meanwhile moved the person on, and we follow it."""
    current = customer_id
    for _hop in range(MAX_HOPS):
        root = person_id_of(current)
        person = Customer.objects.select_for_update().get(pk=root)
        if person.merged_into_id is None:
            return person
        current = person.merged_into_id
    raise NoPerson(_("This profile's merges form a loop; it is waiting for review."))


def person_for_identifier(type_: str, value: str, namespace: str = "") -> int:
    """The person an identifier names; refused for a shared or unknown identifier."""
    found = Identity.objects.filter(type=type_, namespace=namespace, value=value).first()
    if found is None or found.customer_id is None:
        raise NoPerson(_("No customer has this identifier."))
    if found.status == IdentityStatus.SHARED:
        raise NoPerson(
            _(
                "This identifier is shared by several people, so it cannot tell who is "
                "claiming; identify the customer another way."
            )
        )
    return person_id_of(found.customer_id)
