"""Programme reports for the console: the funnel, K-factor, cost per referred customer,
referred against non-referred repurchase, reward ROI (the claw-machine lesson: tune the
invite reward by what it returns), and the referral tree. Money is fen. Each takes the
user's ``ReferralScope`` (None: brand-wide) and counts only the referrals it holds."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, F, Q, QuerySet, Sum

from siyu.campaigns.models import Coupon
from siyu.customers.models import Customer, CustomerStatus, Order
from siyu.referrals.models import (
    Programme,
    Referral,
    ReferralCode,
    ReferralStatus,
    Reward,
    RewardStatus,
)  # fmt: skip
from siyu.referrals.scope import ReferralScope

COSTING = (RewardStatus.HELD, RewardStatus.PAID, RewardStatus.REVIEW)


@dataclass(frozen=True)
class ProgrammeReport:
    programme: Programme
    invited: int
    qualified: int
    review: int
    bought: int
    sharers: int
    k_factor: float
    cost_fen: int
    cost_per_referred_fen: int
    referred_gmv_fen: int
    roi: float | None  # (GMV − cost) / cost


def reward_cost_fen(programme: Programme, scope: ReferralScope | None = None) -> int:
    rows = Reward.objects.filter(programme=programme, status__in=COSTING)
    if scope is not None:  # the scope's referrals' rewards, and its inviters' milestones
        rows = rows.filter(
            Q(referral__in=scope.referrals)
            | Q(referral__isnull=True, customer__in=scope.customers.values("pk"))
        )
    points = int(rows.aggregate(n=Sum("points"))["n"] or 0)
    coupons = rows.exclude(coupon_id=None).values("coupon_id").annotate(n=Count("pk"))
    face = dict(Coupon.objects.filter(pk__in=[c["coupon_id"] for c in coupons])
                .values_list("pk", "amount_fen"))  # fmt: skip
    coupon_fen = sum(int(face.get(c["coupon_id"], 0)) * c["n"] for c in coupons)
    return int(points * programme.point_cost_fen_per_100 // 100 + coupon_fen)


def _kept_by_customer(customer_ids: set[int]) -> dict[int, tuple[int, int]]:
    """customer → (orders, kept fen) over paid orders."""
    rows = (
        Order.objects.filter(customer_id__in=customer_ids, paid_fen__gt=0)
        .values("customer_id")
        .annotate(n=Count("pk"), kept=Sum(F("paid_fen") - F("refunded_fen")))
    )
    return {r["customer_id"]: (r["n"], int(r["kept"] or 0)) for r in rows}


def _referrals(scope: ReferralScope | None) -> QuerySet[Referral]:
    return Referral.objects.all() if scope is None else scope.referrals


def report(programme: Programme, scope: ReferralScope | None = None) -> ProgrammeReport:
    referrals = _referrals(scope).filter(programme=programme)
    qualified_ids = set(
        referrals.filter(status=ReferralStatus.QUALIFIED).values_list("invitee_id", flat=True)
    )
    orders = _kept_by_customer(qualified_ids)
    codes = ReferralCode.objects.filter(programme=programme, customer__isnull=False)
    if scope is not None:
        codes = codes.filter(customer__in=scope.customers.values("pk"))
    sharers = codes.count()
    cost = reward_cost_fen(programme, scope)
    gmv = sum(kept for _n, kept in orders.values())
    return ProgrammeReport(
        programme=programme,
        invited=referrals.count(),
        qualified=len(qualified_ids),
        review=referrals.filter(status=ReferralStatus.REVIEW).count(),
        bought=len(orders),
        sharers=sharers,
        k_factor=round(len(qualified_ids) / sharers, 2) if sharers else 0.0,
        cost_fen=cost,
        cost_per_referred_fen=cost // len(qualified_ids) if qualified_ids else 0,
        referred_gmv_fen=gmv,
        roi=round((gmv - cost) / cost, 2) if cost else None,
    )


def repurchase_rates(scope: ReferralScope | None = None) -> tuple[float, float]:
    """Share of buyers with two or more paid orders: referred customers, everyone else
    (within the scope: its referrals' friends, against the scope's other customers)."""
    referred = set(
        _referrals(scope)
        .filter(status=ReferralStatus.QUALIFIED)
        .values_list("invitee_id", flat=True)
    )
    orders = Order.objects.filter(paid_fen__gt=0, customer__status=CustomerStatus.ACTIVE)
    if scope is not None:
        orders = orders.filter(
            Q(customer__in=scope.customers.values("pk")) | Q(customer_id__in=referred)
        )
    buyers = orders.values("customer_id").annotate(n=Count("pk"))
    counts: dict[bool, list[int]] = {True: [0, 0], False: [0, 0]}
    for row in buyers:
        side = counts[row["customer_id"] in referred]
        side[0] += 1
        side[1] += row["n"] >= 2
    referred_rate, other_rate = (
        round(100 * again / total, 1) if total else 0.0
        for total, again in (counts[True], counts[False])
    )
    return referred_rate, other_rate


@dataclass(frozen=True)
class TreeNode:
    customer_id: int
    name: str
    status: str
    children: list[TreeNode]


def tree(
    programme: Programme, *, roots: int = 10, depth: int = 3, scope: ReferralScope | None = None
) -> list[TreeNode]:
    """The busiest inviters at the top and who they brought, ``depth`` levels down."""
    edges: dict[int, list[tuple[int, str]]] = defaultdict(list)
    rows = _referrals(scope).filter(programme=programme, inviter_id__isnull=False)
    for inviter, invitee, status in rows.values_list("inviter_id", "invitee_id", "status"):
        edges[inviter or 0].append((invitee, status))
    invited = {i for kids in edges.values() for i, _s in kids}
    tops = sorted((p for p in edges if p not in invited), key=lambda p: -len(edges[p]))[:roots]
    names = dict(Customer.objects.filter(
        Q(pk__in=list(edges)) | Q(pk__in=list(invited))
    ).values_list("pk", "display_name"))  # fmt: skip

    def build(node: int, status: str, level: int, seen: frozenset[int]) -> TreeNode:
        kids = [] if level >= depth else [
            build(k, s, level + 1, seen | {k}) for k, s in edges.get(node, []) if k not in seen
        ]  # fmt: skip
        label = str(ReferralStatus(status).label) if status else ""
        return TreeNode(node, names.get(node, ""), label, kids)

    return [build(top, "", 0, frozenset({top})) for top in tops]
