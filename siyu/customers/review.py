"""The identity review queue: shared identifiers, merge limits, cap overflows."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.utils import timezone

from siyu.core.audit import record_audit
from siyu.customers.models import ReviewFlag


@transaction.atomic
def resolve_flag(
    flag: ReviewFlag, *, note: str = "", actor: AbstractBaseUser | AnonymousUser | None = None
) -> ReviewFlag:
    flag = ReviewFlag.objects.select_for_update().get(pk=flag.pk)
    if flag.resolved_at is not None:
        raise ValueError("this flag was already resolved")
    flag.resolved_at = timezone.now()
    flag.detail = {**flag.detail, "resolution_note": note}
    flag.save(update_fields=["resolved_at", "detail"])
    record_audit(actor, "review.resolve", "review_flag", flag.pk, kind=flag.kind, note=note)
    return flag
