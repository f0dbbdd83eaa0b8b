"""The customer list as a CSV download: the user's scope and the list's filters, personal
data masked, streamed.

Rows are read in keyset chunks on ``-id`` (each chunk its own short query, never OFFSET
and never one cursor held open for a million rows), so the first bytes leave after the
first chunk whatever the scope's size, and memory stays one chunk. The export is audited
before the first row.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from siyu.console.queries import CustomerFilter, filtered_customers, resolve_search
from siyu.core.pii import mask_name
from siyu.core.roles import User
from siyu.customers.models import CustomerTag, LifecycleStage

CHUNK = 2000
FIRST_CHUNK = 200  # the first rows leave quickly; later chunks are larger


def export_header() -> list[str]:
    return [
        _("Customer id"),
        _("Name"),
        _("Phone"),
        _("Lifecycle"),
        _("Owner"),
        _("Tags"),
        _("Acquired on"),
    ]


FIELDS = (
    "pk",
    "display_name",
    "phone_last4",
    "lifecycle_stage",
    "primary_owner__display_name",
    "first_seen_at",
    "created_at",
)
Values = tuple[Any, ...]


def export_row(row: Values, tags: list[str]) -> list[object]:
    pk, name, last4, stage, owner, first_seen, created = row
    acquired = first_seen or created
    return [
        pk,
        mask_name(name),
        f"*******{last4}" if last4 else "",
        LifecycleStage(stage).label if stage in LifecycleStage.values else stage,
        owner or "",
        "、".join(tags),
        timezone.localtime(acquired).strftime("%Y-%m-%d %H:%M") if acquired else "",
    ]


def chunk_tags(ids: list[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = defaultdict(list)
    links = (
        CustomerTag.objects.filter(customer_id__in=ids)
        .order_by("tag__group__sort_order", "id")
        .values_list("customer_id", "tag__name")
    )
    for customer_id, name in links:
        out[customer_id].append(name)
    return out


def export_chunks(user: User, filters: CustomerFilter) -> Iterator[list[Values]]:
    """The filtered scope, newest id first: plain value rows (no model instances, no
    decryption), FIRST_CHUNK rows in the first query and CHUNK in each after it."""
    filters = resolve_search(filters)
    before, size = filters.before, min(FIRST_CHUNK, CHUNK)
    while True:
        scope = filtered_customers(user, replace(filters, before=before), by_row=True)
        chunk = list(scope.order_by("-pk").values_list(*FIELDS)[:size])
        if not chunk:
            return
        yield chunk
        if len(chunk) < size:
            return
        before, size = chunk[-1][0], CHUNK


def export_rows(user: User, filters: CustomerFilter) -> Iterator[list[object]]:
    for chunk in export_chunks(user, filters):
        tags = chunk_tags([row[0] for row in chunk])
        for row in chunk:
            yield export_row(row, tags.get(row[0], []))
