"""The customer's channel. For now a channel is a tag in the tag group "渠道"; when
channels get their own app only this module changes."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from siyu.customers.models import CustomerTag

CHANNEL_TAG_GROUP = "渠道"


def channel_links() -> QuerySet[CustomerTag]:
    """Customer ↔ channel rows (channel name is ``tag__name``)."""
    return CustomerTag.objects.filter(tag__group__name=CHANNEL_TAG_GROUP)


def in_channels(names: list[str]) -> Exists:
    """For a Customer queryset: the customer came through one of these channels."""
    return Exists(channel_links().filter(customer_id=OuterRef("pk"), tag__name__in=names))
