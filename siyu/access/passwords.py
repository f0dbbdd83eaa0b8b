"""Password writes: a user changing their own, an administrator or operator resetting a
staff member's. Both are audited (never the password) and end the user's login lock; the
new password hash also ends every other session of that user (Django checks the session's
password hash on each request)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from siyu.access.throttle import clear_login_failures
from siyu.core.audit import record_audit
from siyu.core.models import Role, Staff

# Who may reset whose password. An operator cannot reset an administrator's (that would
# make them one); nobody resets their own here: that is the change page, which asks for
# the current password.
RESETTABLE_ROLES: dict[str, frozenset[str]] = {
    Role.ADMIN: frozenset(Role.values),
    Role.OPERATOR: frozenset({Role.OPERATOR, Role.STORE_MANAGER, Role.SALES}),
}


def may_reset_password(actor: Staff | None, target: Staff) -> bool:
    if actor is None or actor.pk == target.pk:
        return False
    if target.role not in RESETTABLE_ROLES.get(actor.role, frozenset()):
        return False
    # Only inside the actor's part of the organisation tree.
    return target.org_unit.path.startswith(actor.org_unit.path)


def change_own_password(user: AbstractBaseUser, new_password: str) -> None:
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        record_audit(user, "password_changed", "user", user.pk)
        clear_login_failures(user.get_username())


def reset_staff_password(actor: Staff, target: Staff, new_password: str) -> None:
    if not may_reset_password(actor, target):
        raise PermissionError(f"{actor} may not reset the password of {target}")
    user = target.user
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        record_audit(actor.user, "password_reset", "staff", target.pk, username=user.username)
        clear_login_failures(user.get_username())
