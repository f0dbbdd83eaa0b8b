"""The ambassador (distribution) programme, 淘小铺-style: a mentor → ambassador tree of at
most two levels, paid a commission only on paid sales that stay paid through a freeze
period (the refund window), never for headcount.

China's rules against pyramid selling (禁止传销条例: entry fees, rewards for recruiting
heads, more than the allowed levels) and WeChat's ban on multi-level distribution are
checked when a programme is saved: a configuration that breaks them is refused with each
reason, and nothing is written."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from siyu.campaigns.person import NoPerson, person_id_of
from siyu.customers.models import Order
from siyu.referrals.abuse import profiles_of
from siyu.referrals.models import (
    Commission,
    CommissionStatus,
    Programme,
    ProgrammeKind,
    Qualifier,
    Referral,
    ReferralStatus,
)

MAX_LEVELS = 2
MAX_RATE_BP = 3000  # 30 % of a sale: above this a "commission" is a disguised entry fee
REFUSALS: dict[str, Promise] = {
    "entry_fee": _("Ambassadors may not pay to join: an entry fee is pyramid selling."),
    "third_level": _("Commission may go at most two levels up (WeChat bans deeper chains)."),
    "headcount_reward": _(
        "Ambassadors may be paid only on sales, never for the number of people they recruit."
    ),
    "commission_rate": _("Each level's commission must be between 0 and 30 % of the sale."),
    "no_commission": _("An ambassador programme needs a commission for the first level."),
}


class ProgrammeRefused(ValueError):
    def __init__(self, reasons: list[str]) -> None:
        self.reasons = reasons
        self.messages = [str(REFUSALS[r]) for r in reasons]
        super().__init__("; ".join(self.messages))


def refusals_of(fields: dict[str, Any]) -> list[str]:
    """Why an ambassador configuration is refused ([] when it is allowed)."""
    rates = list(fields.get("commission_bp") or [])
    reasons = []
    if int(fields.get("entry_fee_fen") or 0) > 0:
        reasons.append("entry_fee")
    if len(rates) > MAX_LEVELS:
        reasons.append("third_level")
    per_head = ("inviter_points", "invitee_points", "task_target", "inviter_coupon_id")
    if any(fields.get(name) for name in per_head) or fields.get("milestones"):
        reasons.append("headcount_reward")
    if not rates:
        reasons.append("no_commission")
    elif any(not isinstance(r, int) or not 0 <= r <= MAX_RATE_BP for r in rates):
        reasons.append("commission_rate")
    return reasons


def create_ambassador_programme(**fields: Any) -> Programme:
    """A new ambassador programme, or ``ProgrammeRefused`` with every reason."""
    reasons = refusals_of(fields)
    if reasons:
        raise ProgrammeRefused(reasons)
    fields.setdefault("qualifier", Qualifier.EVENT)
    fields.setdefault("created_at", timezone.now())
    return Programme.objects.create(kind=ProgrammeKind.AMBASSADOR, **fields)


def _mentor(programme: Programme, customer_id: int) -> int | None:
    """Who brought this person into the programme (their inviter), as a person."""
    found = (
        Referral.objects.filter(programme=programme, invitee_id__in=profiles_of(customer_id))
        .exclude(status=ReferralStatus.REJECTED)
        .values_list("inviter_id", flat=True)
        .first()
    )
    try:
        return person_id_of(found) if found else None
    except NoPerson:
        return None


def chain_of(programme: Programme, buyer_id: int) -> list[int]:
    """The ambassadors paid on this buyer's sales: level 1, then level 2 — never more."""
    chain: list[int] = []
    current = buyer_id
    for _level in range(len(programme.commission_bp[:MAX_LEVELS])):
        mentor = _mentor(programme, current)
        if mentor is None or mentor == buyer_id or mentor in chain:
            break
        chain.append(mentor)
        current = mentor
    return chain


def commission_order(order: Order) -> list[Commission]:
    """Frozen commissions on a paid order for every running ambassador programme (once per
    order and level: a second delivery writes nothing)."""
    try:
        buyer = person_id_of(order.customer_id)
    except NoPerson:
        return []
    out = []
    for programme in Programme.objects.filter(kind=ProgrammeKind.AMBASSADOR, is_active=True):
        for level, ambassador in enumerate(chain_of(programme, buyer), start=1):
            rate = int(programme.commission_bp[level - 1])
            try:
                with transaction.atomic():
                    out.append(Commission.objects.create(
                        programme=programme, ambassador_id=ambassador, order=order,
                        level=level, amount_fen=order.paid_fen * rate // 10000,
                        status=CommissionStatus.FROZEN,
                        settle_at=order.paid_at + timedelta(days=programme.freeze_days),
                        created_at=timezone.now(),
                    ))  # fmt: skip
            except IntegrityError:
                continue
    return out


def settle_due(now: datetime | None = None) -> int:
    """Settle frozen commissions whose freeze has ended, on what the buyer kept (paid
    minus refunds); a fully refunded sale voids its commission. Returns how many."""
    now = now or timezone.now()
    done = 0
    due = Commission.objects.filter(status=CommissionStatus.FROZEN, settle_at__lte=now)
    for row in due.select_related("order", "programme").order_by("pk")[:1000]:
        kept = row.order.paid_fen - row.order.refunded_fen
        rate = int(row.programme.commission_bp[row.level - 1])
        status = CommissionStatus.SETTLED if kept > 0 else CommissionStatus.VOID
        done += Commission.objects.filter(pk=row.pk, status=CommissionStatus.FROZEN).update(
            status=status, amount_fen=max(kept, 0) * rate // 10000, settled_at=now
        )
    return done
