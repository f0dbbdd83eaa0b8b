"""Who a send can reach, fetched for a chunk of recipients at once (policy step 2's facts).

A customer is reached on WeCom through a staff member who still follows them (the primary
owner when they do, else the longest follower); on the official account through its
openid; by webhook whenever the profile is live. A group through its owner.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection
from django.db.models import BooleanField, ExpressionWrapper, F, Q, QuerySet

from siyu.core.clock import brand_zone
from siyu.core.id_sets import among
from siyu.core.models import Staff
from siyu.customers.consent import consenting
from siyu.customers.models import Customer, CustomerFollow, CustomerStatus, Identity
from siyu.groups.models import GroupChat
from siyu.messaging.models import Channel, RecipientZone
from siyu.messaging.policy import Candidate
from siyu.messaging.windows import zone_named

OA_IDENTITY = "wechat_openid"


def _lock_customers(ids: Sequence[int], lock: bool) -> QuerySet[Customer]:
    rows = among(Customer.objects.all(), "id", ids)
    if lock and connection.vendor == "postgresql":
        # pk-ordered row locks: two plans reaching one customer decide one after the other,
        # so neither can push them over a cap; other customers' plans do not wait.
        rows = rows.select_for_update(no_key=True).order_by("pk")
    return rows


def _senders(ids: Sequence[int], only: Sequence[int]) -> dict[int, int]:
    """The sender of each customer: the primary owner if they still follow, else the
    longest follower. Ranked in SQL, so no follow date is read into Python."""
    follows = among(CustomerFollow.objects.all(), "customer", ids).filter(
        ended_at__isnull=True,
        staff__is_active=True,
        staff__wecom_userid__isnull=False,
    )
    if only:
        follows = follows.filter(staff_id__in=list(only))
    owner = ExpressionWrapper(Q(staff_id=F("customer__primary_owner_id")), BooleanField())
    ranked = follows.order_by("customer_id", owner.desc(), "created_at", "staff_id")
    chosen: dict[int, int] = {}
    for customer_id, staff_id in ranked.values_list("customer_id", "staff_id"):
        chosen.setdefault(customer_id, staff_id)
    return chosen


def _zones(ids: Sequence[int]) -> dict[int, str]:
    return dict(
        among(RecipientZone.objects.all(), "customer", ids).values_list("customer_id", "zone")
    )


def customer_candidates(
    ids: Sequence[int], channel: str, purpose: str, *, owners_only: Sequence[int] = (), lock: bool
) -> list[Candidate]:
    rows = list(_lock_customers(ids, lock).values_list("pk", "status", "primary_owner_id"))
    live = {pk: owner for pk, status, owner in rows if status == CustomerStatus.ACTIVE}
    agreed = consenting(list(live), purpose) if purpose else set(live)
    senders: dict[int, int] = {}
    if channel == Channel.WECOM_CUSTOMER:
        senders = _senders(list(live), owners_only)
        reachable = set(senders)
    elif channel == Channel.OA_TEMPLATE:
        found = among(Identity.objects.filter(type=OA_IDENTITY), "customer", list(live))
        reachable = set(found.values_list("customer_id", flat=True))
    else:
        reachable = set(live)
    zones = _zones(list(live))
    default = brand_zone()
    # Positional: a NamedTuple is built fastest so, and a chunk builds thousands.
    return [
        Candidate(
            f"c:{pk}",
            (zone_named(zones[pk]) or default) if pk in zones else default,
            pk in agreed,
            pk in reachable,
            pk,
            "",
            senders.get(pk),
        )
        for pk, _status, _owner in rows
    ]


def group_candidates(chat_ids: Sequence[str], *, lock: bool) -> list[Candidate]:
    groups = GroupChat.objects.filter(chat_id__in=list(chat_ids))
    if lock and connection.vendor == "postgresql":
        groups = groups.select_for_update(no_key=True).order_by("pk")
    found = {
        chat: (owner, status)
        for chat, owner, status in groups.values_list("chat_id", "owner_userid", "status")
    }
    userids = {owner for owner, _status in found.values()}
    staff = dict(
        Staff.objects.filter(wecom_userid__in=userids, is_active=True).values_list(
            "wecom_userid", "pk"
        )
    )
    zone = brand_zone()
    out = []
    for chat in chat_ids:
        owner, status = found.get(chat, ("", -1))
        sender = staff.get(owner)
        out.append(
            Candidate(
                key=f"g:{chat}",
                zone=zone,
                reachable=status == 0 and sender is not None,
                chat_id=chat,
                staff_id=sender,
            )
        )
    return out


def staff_candidates(staff_ids: Sequence[int]) -> list[Candidate]:
    live = set(
        Staff.objects.filter(
            pk__in=list(staff_ids), is_active=True, wecom_userid__isnull=False
        ).values_list("pk", flat=True)
    )
    zone = brand_zone()
    return [
        Candidate(key=f"s:{pk}", zone=zone, reachable=pk in live, staff_id=pk) for pk in staff_ids
    ]
