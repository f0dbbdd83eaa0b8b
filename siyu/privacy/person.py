"""Finding everything that is one person: her profile, the profiles merged into it, and
her identifiers."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from siyu.core.pii import decrypt_pii
from siyu.customers.merge_hooks import CustomerRows
from siyu.customers.models import Customer, Identity
from siyu.privacy.holders import Person


def absorbed_ids(customer_id: int) -> list[int]:
    """Every profile merged into this one, directly or through a chain of merges."""
    found: list[int] = []
    frontier = [customer_id]
    while frontier:
        frontier = list(
            Customer.objects.filter(merged_into_id__in=frontier).values_list("pk", flat=True)
        )
        found.extend(frontier)
    return found


def person_of(customer: Customer) -> Person:
    ids = (customer.pk, *absorbed_ids(customer.pk))
    values = []
    for value, sealed in Identity.objects.filter(customer_id__in=ids).values_list(
        "value", "value_encrypted"
    ):
        values.append(decrypt_pii(sealed) if sealed else value)
    return Person(customer.pk, ids, tuple(sorted(set(values))))


def rows_of(rows: CustomerRows, person: Person) -> QuerySet[Any]:
    """One registered table's rows of the person (her profile and those merged into it)."""
    found: QuerySet[Any] = rows.model._default_manager.filter(
        **{f"{rows.column}__in": person.customer_ids}
    )
    return found
