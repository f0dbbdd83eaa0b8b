"""Login throttling: wrong passwords are counted per username and per client address, and
past a few free tries each further one locks that key for twice as long as the last.

While a key is locked every attempt is refused before the password is checked, and refused
attempts are not counted: guessing gains nothing, and a user's own retries during a lock do
not make it longer. A successful login clears its username's count, never its address's (or
an attacker could reset an address by logging in to an account of their own in between).
Every lock is written to the audit log.
"""

from __future__ import annotations

import ipaddress
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q
from django.http import HttpRequest
from django.utils import timezone

from siyu.access.models import LoginThrottle, ThrottleScope
from siyu.core.audit import record_audit


@dataclass(frozen=True)
class Policy:
    free_failures: int  # wrong passwords before the first lock
    first_lock: timedelta  # doubled with every further wrong password
    longest_lock: timedelta
    forget_after: timedelta  # quiet time after which the count starts again

    def lock_for(self, failures: int) -> timedelta | None:
        if failures < self.free_failures:
            return None
        lock: timedelta = self.first_lock * 2 ** min(failures - self.free_failures, 20)
        return min(lock, self.longest_lock)


POLICIES = {
    ThrottleScope.USERNAME: Policy(
        5, timedelta(seconds=30), timedelta(minutes=15), timedelta(days=1)
    ),
    # A store's staff share one address behind its router: more free tries, forgotten sooner.
    ThrottleScope.ADDRESS: Policy(
        20, timedelta(seconds=30), timedelta(hours=1), timedelta(hours=1)
    ),
}


FORGET_ALL_AFTER = max(p.forget_after for p in POLICIES.values())


def clock() -> datetime:
    """The throttle's notion of now; tests move it instead of sleeping."""
    return timezone.now()


def client_address(request: HttpRequest) -> str:
    """The address the outermost of SIYU_PROXY_COUNT trusted proxies saw the client at.
    Entries further left in X-Forwarded-For are the client's own say and are ignored."""
    address = request.META.get("REMOTE_ADDR") or ""
    proxies: int = settings.SIYU_PROXY_COUNT
    if proxies:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        if len(forwarded) >= proxies and forwarded[-proxies]:
            address = forwarded[-proxies]
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return "unknown"


def username_key(username: str) -> str:
    return unicodedata.normalize("NFKC", username).strip().casefold()[:150]


def _keys(username: str, address: str) -> list[tuple[str, str]]:
    # Sorted, so concurrent failures lock the two rows in the same order (no deadlock).
    return sorted(
        [(ThrottleScope.USERNAME, username_key(username)), (ThrottleScope.ADDRESS, address)]
    )


def locked_until(username: str, address: str) -> datetime | None:
    """When the later of the username's and the address's locks ends; None if neither is on."""
    match = Q()
    for scope, key in _keys(username, address):
        match |= Q(scope=scope, key=key)
    found = LoginThrottle.objects.filter(match, locked_until__gt=clock()).aggregate(
        until=Max("locked_until")
    )
    until: datetime | None = found["until"]
    return until


def record_login_failure(username: str, address: str) -> datetime | None:
    """Count a wrong password against both keys; returns the end of the lock it earned."""
    at = clock()
    earned: datetime | None = None
    with transaction.atomic():
        for scope, key in _keys(username, address):
            until = _count_failure(
                ThrottleScope(scope), key, at, username=username, address=address
            )
            if until is not None and (earned is None or until > earned):
                earned = until
        # Every name anyone typed gets a row: drop those forgotten anyway, so the table holds
        # about a day of failures (a lock never outlasts its key's forget_after).
        LoginThrottle.objects.filter(last_failure_at__lt=at - FORGET_ALL_AFTER).delete()
    return earned


def _count_failure(
    scope: ThrottleScope, key: str, at: datetime, *, username: str, address: str
) -> datetime | None:
    LoginThrottle.objects.get_or_create(scope=scope, key=key)
    row = LoginThrottle.objects.select_for_update().get(scope=scope, key=key)
    policy = POLICIES[scope]
    if row.last_failure_at is None or at - row.last_failure_at > policy.forget_after:
        row.failures = 0
    row.failures += 1
    row.last_failure_at = at
    lock = policy.lock_for(row.failures)
    if lock is not None:
        row.locked_until = at + lock
        record_audit(
            None,
            "login_locked",
            scope.value,
            key,
            failures=row.failures,
            locked_until=row.locked_until.isoformat(),
            username=username_key(username),
            address=address,
        )
    row.save(update_fields=["failures", "last_failure_at", "locked_until", "updated_at"])
    return row.locked_until if lock is not None else None


def clear_login_failures(username: str) -> None:
    """A correct password (or a new one set by an administrator) ends the username's count."""
    LoginThrottle.objects.filter(scope=ThrottleScope.USERNAME, key=username_key(username)).delete()
