"""Audit trail writes. Called inside the caller's transaction so the record and the action
commit or roll back together."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User

from siyu.core.models import AuditLog


def record_audit(
    actor: AbstractBaseUser | AnonymousUser | None,
    action: str,
    target_type: str,
    target_id: object,
    **detail: Any,
) -> AuditLog:
    user = actor if isinstance(actor, User) else None
    return AuditLog.objects.create(
        actor=user,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        detail=detail,
    )
