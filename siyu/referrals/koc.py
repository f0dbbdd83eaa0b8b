"""KOC scoring: customers ranked by what their word brings — the GMV their friends
bought (paid minus refunds), the content they shared, and how many people they reached.
Each is scaled to the best customer's figure and weighted; 赵蕾 tops the demo brand."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import F, Sum

from siyu.customers.models import Customer, Event, Order
from siyu.referrals.models import Referral, ReferralStatus
from siyu.referrals.sweep import person_map

# Customer events that count as sharing content (the content app's shares, our posters).
SHARE_EVENT_TYPES = ("material_shared", "referral_shared", "moment_shared")
WEIGHTS = {"gmv": 0.5, "shared": 0.2, "reach": 0.3}


@dataclass(frozen=True)
class KocRow:
    customer_id: int
    name: str
    referred_gmv_fen: int
    shared: int
    reach: int
    score: float  # 0–100


def _scaled(value: float, best: float) -> float:
    return value / best if best > 0 else 0.0


def score_kocs(limit: int = 20) -> list[KocRow]:
    persons = person_map()

    def person(n: int) -> int:
        return persons.get(n, n)

    reach: dict[int, set[int]] = defaultdict(set)
    invitees = Referral.objects.exclude(status=ReferralStatus.REJECTED).filter(
        inviter_id__isnull=False
    )
    for inviter, invitee in invitees.values_list("inviter_id", "invitee_id"):
        reach[person(inviter or 0)].add(person(invitee))
    bought = dict(
        Order.objects.filter(customer_id__in={i for s in reach.values() for i in s})
        .values("customer_id")
        .annotate(kept=Sum(F("paid_fen") - F("refunded_fen")))
        .values_list("customer_id", "kept")
    )
    shares: dict[int, int] = defaultdict(int)
    rows = Event.objects.filter(type__in=SHARE_EVENT_TYPES).values_list("customer_id", flat=True)
    for customer_id in rows.iterator():
        shares[person(customer_id)] += 1
    people = set(reach) | set(shares)
    gmv = {p: sum(int(bought.get(i, 0) or 0) for i in reach.get(p, ())) for p in people}
    best = {
        "gmv": max(gmv.values(), default=0),
        "shared": max(shares.values(), default=0),
        "reach": max((len(s) for s in reach.values()), default=0),
    }
    names = dict(Customer.objects.filter(pk__in=people).values_list("pk", "display_name"))
    out = [_row(p, names.get(p, ""), gmv[p], shares.get(p, 0), len(reach.get(p, ())), best)
           for p in people]  # fmt: skip
    out.sort(key=lambda r: (-r.score, r.customer_id))
    return out[:limit]


def _row(p: int, name: str, gmv: int, shared: int, reach: int, best: dict[str, int]) -> KocRow:
    score = (
        WEIGHTS["gmv"] * _scaled(gmv, best["gmv"])
        + WEIGHTS["shared"] * _scaled(shared, best["shared"])
        + WEIGHTS["reach"] * _scaled(reach, best["reach"])
    )
    return KocRow(p, name, gmv, shared, reach, round(100 * score, 1))
