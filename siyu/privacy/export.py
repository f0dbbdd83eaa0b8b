"""Access / copy: one archive of everything Siyu holds on a person, across every app.

The tables come from the merge hooks' registry (each declares its exporter) and the text
holders; a table registered there is in every archive. Identities are decrypted for the
archive only, and every archive is audited (who, which profile, how many rows per table:
never the values).
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.utils import timezone

from siyu.core.audit import record_audit
from siyu.customers.merge_hooks import REGISTRY
from siyu.customers.models import Customer
from siyu.customers.person_rows import row_dict
from siyu.privacy.holders import HOLDERS, Person
from siyu.privacy.models import ExportArchive, PrivacyRequest
from siyu.privacy.person import person_of, rows_of
from siyu.privacy.steps import record_step

FORMAT = "siyu-privacy-export/1"
Actor = AbstractBaseUser | AnonymousUser | None


def collect(person: Person) -> dict[str, list[dict[str, Any]]]:
    tables: dict[str, list[dict[str, Any]]] = {}
    for label, rows in sorted(REGISTRY.items()):
        if rows.export is None:
            continue
        found = rows.export(rows_of(rows, person))
        if found:
            tables[label] = found
    for label, holder in sorted(HOLDERS.items()):
        found = holder.export(person)
        if found:
            tables[label] = found
    return tables


def build_archive(customer: Customer) -> dict[str, Any]:
    person = person_of(customer)
    profiles = Customer.objects.filter(pk__in=person.customer_ids).order_by("pk")
    return {
        "format": FORMAT,
        "generated_at": timezone.now().isoformat(),
        "customer_id": customer.pk,
        "profiles": [row_dict(p) for p in profiles],
        "tables": collect(person),
    }


@transaction.atomic
def export_customer(customer: Customer, *, actor: Actor) -> dict[str, Any]:
    """The archive of one person, audited (row counts per table, never values)."""
    archive = build_archive(customer)
    counts = {label: len(rows) for label, rows in archive["tables"].items()}
    record_audit(actor, "privacy.export", "customer", customer.pk, tables=counts)
    return archive


@transaction.atomic
def store_export(request: PrivacyRequest, *, actor: Actor) -> ExportArchive:
    """Answer an access request: the archive, stored encrypted for its download."""
    archive = export_customer(request.customer, actor=actor)
    counts = {label: len(rows) for label, rows in archive["tables"].items()}
    stored = ExportArchive.objects.create(
        request=request,
        content=json.dumps(archive, ensure_ascii=False, default=str),
        tables=counts,
        created_at=timezone.now(),
    )
    record_step(request, "exported", actor, tables=counts, archive=stored.pk)
    return stored
