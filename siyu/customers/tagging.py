"""Tag groups, tags and putting tags on customers."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.utils import timezone

from siyu.customers.changes import append_change
from siyu.customers.models import (
    ChangeKind,
    Customer,
    CustomerTag,
    Tag,
    TagGroup,
    TagKind,
    TagSource,
)


@transaction.atomic
def ensure_tag(
    group_name: str, tag_name: str, kind: str = TagKind.MANUAL, rule: dict[str, Any] | None = None
) -> Tag:
    if not group_name.strip() or not tag_name.strip():
        raise ValueError("tag group and tag names are required")
    group, _ = TagGroup.objects.get_or_create(name=group_name.strip())
    tag, created = Tag.objects.get_or_create(
        group=group, name=tag_name.strip(), defaults={"kind": kind, "rule": rule or {}}
    )
    if not created and rule is not None and tag.rule != rule:
        tag.rule = rule
        tag.save(update_fields=["rule"])
    return tag


@transaction.atomic(savepoint=False)
def add_tag(
    customer: Customer,
    tag: Tag,
    *,
    source: str = TagSource.MANUAL,
    actor: AbstractBaseUser | AnonymousUser | None = None,
) -> bool:
    """Return True if the tag was added, False if the customer already had it."""
    user = actor if isinstance(actor, AbstractBaseUser) else None
    _, created = CustomerTag.objects.get_or_create(
        customer=customer,
        tag=tag,
        defaults={"source": source, "created_by": user, "created_at": timezone.now()},
    )
    if created:
        append_change(customer.pk, ChangeKind.TAG, ref=tag.pk, data={"added": True})
    return created


@transaction.atomic(savepoint=False)
def remove_tag(
    customer: Customer, tag: Tag, *, actor: AbstractBaseUser | AnonymousUser | None = None
) -> bool:
    deleted, _ = CustomerTag.objects.filter(customer=customer, tag=tag).delete()
    if deleted:
        append_change(customer.pk, ChangeKind.TAG, ref=tag.pk, data={"added": False})
    return deleted > 0
