"""一客一码: one invite code per customer (or staff member) and programme, and where it
travels: a WeCom contact way's ``state``, a mini-program scene, an invite link."""

from __future__ import annotations

import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone

from siyu.customers.models import Customer
from siyu.referrals.models import Programme, ReferralCode

# WeCom's `state` is at most 30 characters, a mini-program scene 32: "rf." + 8 fits both.
STATE_PREFIX = "rf."
CODE_LENGTH = 8
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read off a poster


def _new_code() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(CODE_LENGTH))


def code_for(
    programme: Programme, *, customer_id: int | None = None, staff_id: int | None = None
) -> ReferralCode:
    """The owner's code in ``programme``, made on first use."""
    if (customer_id is None) == (staff_id is None):
        raise ValueError("a code belongs to one customer or one staff member")
    owner: dict[str, int | None] = (
        {"customer_id": customer_id} if customer_id is not None else {"staff_id": staff_id}
    )
    found = ReferralCode.objects.filter(programme=programme, **owner).order_by("pk").first()
    if found is not None:
        return found
    for _attempt in range(5):
        try:
            with transaction.atomic():
                if customer_id is not None:
                    # Two first uses at once: the second waits here and finds the first's.
                    Customer.objects.select_for_update().filter(pk=customer_id).first()
                found = ReferralCode.objects.filter(programme=programme, **owner).first()
                if found is not None:
                    return found
                return ReferralCode.objects.create(
                    programme=programme, code=_new_code(), created_at=timezone.now(), **owner
                )
        except IntegrityError:
            # A code already taken (1 in 31^8), or a staff member's first use racing.
            found = ReferralCode.objects.filter(programme=programme, **owner).first()
            if found is not None:
                return found
    raise RuntimeError("no free referral code after 5 tries")


def state_of(code: ReferralCode) -> str:
    return f"{STATE_PREFIX}{code.code}"


def code_from_text(text: object) -> ReferralCode | None:
    """The code named by a `state`, a scene or a link's parameter (with or without the
    prefix); None for anything else, including text that is not ours."""
    if not isinstance(text, str) or len(text) > 64:
        return None
    raw = text.strip().removeprefix(STATE_PREFIX).upper()
    if len(raw) != CODE_LENGTH or any(c not in _ALPHABET for c in raw):
        return None
    return ReferralCode.objects.select_related("programme").filter(code=raw).first()


def invite_link(code: ReferralCode, base_url: str) -> str:
    return f"{base_url.rstrip('/')}/r/{code.code}"
