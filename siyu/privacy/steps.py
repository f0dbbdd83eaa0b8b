"""The audit trail of a privacy request."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.utils import timezone

from siyu.privacy.models import PrivacyRequest, RequestStep


def record_step(
    request: PrivacyRequest,
    action: str,
    actor: AbstractBaseUser | AnonymousUser | None,
    **detail: Any,
) -> RequestStep:
    return RequestStep.objects.create(
        request=request,
        action=action,
        actor=actor if isinstance(actor, User) else None,
        detail=detail,
        created_at=timezone.now(),
    )
