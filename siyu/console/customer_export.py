"""The customer list as a CSV download: the user's scope and the list's filters, personal
data masked, streamed.

Rows are read in keyset chunks on ``-id`` (each chunk its own short query, never OFFSET
and never one cursor held open for a million rows), so the first bytes leave after the
first chunk whatever the scope's size, and memory stays one chunk. The export is audited
before the first row.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from siyu.console.queries import CustomerFilter, filtered_customers
from siyu.core.pii import mask_name
from siyu.core.roles import User
from siyu.customers.models import Customer, CustomerTag

CHUNK = 2000


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


def export_row(c: Customer) -> list[object]:
    acquired = c.first_seen_at or c.created_at
    return [
        c.pk,
        mask_name(c.display_name),
        f"*******{c.phone_last4}" if c.phone_last4 else "",
        c.get_lifecycle_stage_display(),
        c.primary_owner.display_name if c.primary_owner else "",
        "、".join(link.tag.name for link in c.tag_links.all()),
        timezone.localtime(acquired).strftime("%Y-%m-%d %H:%M") if acquired else "",
    ]


def export_chunks(user: User, filters: CustomerFilter) -> Iterator[Sequence[Customer]]:
    """The filtered scope, newest id first, CHUNK rows per query."""
    links = CustomerTag.objects.select_related("tag").order_by("tag__group__sort_order", "id")
    before = filters.before
    while True:
        chunk = list(
            filtered_customers(user, replace(filters, before=before), by_row=True)
            .select_related("primary_owner")
            .prefetch_related(Prefetch("tag_links", queryset=links))
            .order_by("-pk")[:CHUNK]
        )
        if not chunk:
            return
        yield chunk
        if len(chunk) < CHUNK:
            return
        before = chunk[-1].pk


def export_rows(user: User, filters: CustomerFilter) -> Iterator[list[object]]:
    for chunk in export_chunks(user, filters):
        for c in chunk:
            yield export_row(c)
