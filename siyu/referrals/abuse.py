"""The abuse screen a referral passes when it qualifies; any reason holds its rewards for
review (siyu.referrals.review). The identity graph decides who is one person.

- ``self_referral``: inviter and invitee are one person (merged since the invite).
- ``shared_identifier``: they share a phone, unionid, device or address the identity graph
  holds (an identifier linked to both, typically one marked shared).
- ``velocity``: the inviter brought more invitees in the last 24 h than the programme allows.
- ``never_buy``: the inviter's earlier invitees, enough of them and long enough ago,
  never bought anything.
- ``ring``: the invitee is already up the inviter's chain (the invite closes a cycle).
- ``dense_cluster``: inviter and invitee already share two or more referral neighbours.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from siyu.campaigns.person import NoPerson, person_id_of
from siyu.customers.models import Customer, Identity, IdentityLink, Order
from siyu.referrals.models import Referral, ReferralStatus

REASONS: dict[str, Promise] = {
    "self_referral": _("Inviter and invitee are the same person."),
    "shared_identifier": _("Inviter and invitee share a phone, unionid, device or address."),
    "velocity": _("The inviter brought more friends in a day than the programme allows."),
    "never_buy": _("None of the inviter's earlier friends ever bought anything."),
    "ring": _("The invite closes a ring: the friend is already up the inviter's chain."),
    "dense_cluster": _("Inviter and friend belong to a densely connected referral cluster."),
    "duplicate_person": _("This person was already referred in this programme."),
}
NEVER_BUY_MIN = 5  # earlier invitees before "never bought" means anything
NEVER_BUY_AGE = timedelta(days=30)
CHAIN_LIMIT = 200


def _person(customer_id: int | None) -> int:
    if customer_id is None:
        return 0
    try:
        return person_id_of(customer_id)
    except NoPerson:
        return customer_id


def profiles_of(person: int) -> set[int]:
    """The person's profile and the profiles merged into it (the chain, a few hops)."""
    found, frontier = {person}, {person}
    for _hop in range(8):
        frontier = (
            set(Customer.objects.filter(merged_into_id__in=frontier).values_list("pk", flat=True))
            - found
        )
        if not frontier:
            break
        found |= frontier
    return found


def _identifiers(profiles: set[int]) -> set[int]:
    own = set(Identity.objects.filter(customer_id__in=profiles).values_list("pk", flat=True))
    linked = IdentityLink.objects.filter(Q(a_id__in=own) | Q(b_id__in=own), blocked=False)
    return own | {i for pair in linked.values_list("a_id", "b_id") for i in pair}


def shares_identifier(inviter: int, invitee: int) -> bool:
    return bool(_identifiers(profiles_of(inviter)) & _identifiers(profiles_of(invitee)))


def _too_fast(referral: Referral, at: datetime) -> bool:
    recent = Referral.objects.filter(
        programme_id=referral.programme_id,
        inviter_id__in=profiles_of(_person(referral.inviter_id)),
        attributed_at__gt=at - timedelta(days=1),
        attributed_at__lte=at,
    ).count()
    return recent > referral.programme.velocity_per_day


def _never_buy(referral: Referral, at: datetime) -> bool:
    earlier = list(
        Referral.objects.filter(
            inviter_id=referral.inviter_id, attributed_at__lt=at - NEVER_BUY_AGE
        ).values_list("invitee_id", flat=True)
    )
    if len(earlier) < NEVER_BUY_MIN:
        return False
    return not Order.objects.filter(customer_id__in=earlier, paid_fen__gt=0).exists()


def _ancestors(person: int) -> set[int]:
    """Everyone up the chain of inviters above ``person``, across programmes."""
    found: set[int] = set()
    frontier = {person}
    while frontier and len(found) < CHAIN_LIMIT:
        ups = Referral.objects.filter(invitee_id__in=frontier, inviter_id__isnull=False).exclude(
            status=ReferralStatus.REJECTED
        )
        frontier = {_person(i) for i in ups.values_list("inviter_id", flat=True)} - found
        found |= frontier
    return found


def _neighbours(person: int, exclude: int) -> set[int]:
    rows = Referral.objects.filter(
        Q(inviter_id=person) | Q(invitee_id=person), inviter_id__isnull=False
    ).exclude(pk=exclude)
    return {_person(n) for pair in rows.values_list("inviter_id", "invitee_id") for n in pair} - {
        person
    }


def _duplicate(referral: Referral, invitee: int) -> bool:
    return (
        Referral.objects.filter(
            programme_id=referral.programme_id,
            invitee_id__in=profiles_of(invitee),
            status__in=[ReferralStatus.QUALIFIED, ReferralStatus.REVIEW],
        )
        .exclude(pk=referral.pk)
        .exists()
    )


def screen_referral(referral: Referral, at: datetime) -> list[str]:
    """Reason codes for holding the referral for review; [] when it looks clean."""
    invitee = _person(referral.invitee_id)
    reasons = ["duplicate_person"] if _duplicate(referral, invitee) else []
    if referral.inviter_id is None:
        return reasons  # a staff member's code: nobody to farm for
    inviter = _person(referral.inviter_id)
    if inviter == invitee:
        return [*reasons, "self_referral"]
    checks: tuple[tuple[str, Callable[[], bool]], ...] = (
        ("shared_identifier", lambda: shares_identifier(inviter, invitee)),
        ("velocity", lambda: _too_fast(referral, at)),
        ("never_buy", lambda: _never_buy(referral, at)),
        ("ring", lambda: invitee in _ancestors(inviter)),
        ("dense_cluster", lambda: len(_neighbours(inviter, referral.pk) &
                                      _neighbours(invitee, referral.pk)) >= 2),
    )  # fmt: skip
    return reasons + [code for code, check in checks if check()]
