"""Lottery (抽奖) after purchase: published odds, stock that never runs over, a draw log an
auditor can replay.

Publishing freezes the prizes: their weights, stock, values and the resulting odds are
stored as ``published_odds`` (the page shows them, as 《规范促销行为暂行规定》 Art. 13 asks),
with the SHA-256 of a secret seed. A prize worth more than the top-prize cap
(``SIYU_LOTTERY_TOP_PRIZE_CAP_FEN``, ¥50,000 by default) refuses publication.

A draw locks the lottery row to take the next sequence number, so draws are numbered in
the order they consume stock. Draw *n* rolls ``HMAC-SHA256(seed, n)``, picks a prize by the
published weights, and takes one of its stock with ``awarded = awarded + 1 WHERE awarded <
stock`` (a CHECK constraint behind it); out of stock, the consolation prize is given.
Given the seed, ``replay_draws`` recomputes every outcome from the published odds alone.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from siyu.campaigns.allowance import locked_person_id, take_allowance
from siyu.campaigns.models import (
    CampaignStatus,
    Draw,
    DrawAllowance,
    Lottery,
    LotteryDayDraws,
    Prize,
)
from siyu.campaigns.refusals import Refused
from siyu.core.clock import day_of


class LotteryInvalid(ValueError):
    pass


def top_prize_cap_fen() -> int:
    return int(getattr(settings, "SIYU_LOTTERY_TOP_PRIZE_CAP_FEN", 5_000_000))


def check_prizes(prizes: Sequence[Prize]) -> None:
    cap = top_prize_cap_fen()
    if not any(p.weight > 0 and not p.is_consolation for p in prizes):
        raise LotteryInvalid(_("A lottery needs at least one prize with odds above zero."))
    for prize in prizes:
        if prize.value_fen > cap:
            raise LotteryInvalid(
                _("%(prize)s is worth more than the top-prize limit of ¥%(cap)s.")
                % {"prize": prize.name, "cap": f"{cap / 100:,.0f}"}
            )
    if sum(p.is_consolation for p in prizes) > 1:
        raise LotteryInvalid(_("A lottery has at most one consolation prize."))


def odds_of(prizes: Sequence[Prize]) -> list[dict[str, Any]]:
    drawn = [p for p in prizes if not p.is_consolation and p.weight > 0]
    total = sum(p.weight for p in drawn)
    return [
        {
            "prize": p.pk,
            "name": p.name,
            "value_fen": p.value_fen,
            "weight": p.weight,
            "stock": p.stock,
            "probability": p.weight / total,
            "consolation": False,
        }
        for p in sorted(drawn, key=lambda p: p.pk)
    ] + [
        {"prize": p.pk, "name": p.name, "value_fen": p.value_fen, "consolation": True}
        for p in prizes
        if p.is_consolation
    ]


@transaction.atomic
def publish_lottery(
    lottery_id: int, now: datetime | None = None, *, seed: str | None = None
) -> Lottery:
    """Freeze the odds and commit to a seed (given: the demo's, reproducible; else random)."""
    lottery = Lottery.objects.select_for_update().get(pk=lottery_id)
    if lottery.published_at is not None:
        raise LotteryInvalid(_("This lottery was already published; its odds cannot change."))
    prizes = list(lottery.prizes.order_by("pk"))
    check_prizes(prizes)
    lottery.seed = seed or secrets.token_hex(32)
    lottery.seed_sha256 = hashlib.sha256(lottery.seed.encode()).hexdigest()
    lottery.published_odds = odds_of(prizes)
    lottery.published_at = now or timezone.now()
    lottery.status = CampaignStatus.PUBLISHED
    lottery.save()
    return lottery


def roll_of(seed: str, lottery_id: int, seq: int) -> int:
    digest = hmac.new(seed.encode(), f"{lottery_id}:{seq}".encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:7], "big")  # 56 bits: fits a signed 64-bit column


def pick(odds: Sequence[dict[str, Any]], roll: int) -> int:
    """The prize a roll lands on, by the published weights."""
    drawn = [o for o in odds if not o["consolation"]]
    point = roll % sum(int(o["weight"]) for o in drawn)
    for entry in drawn:
        point -= int(entry["weight"])
        if point < 0:
            return int(entry["prize"])
    raise AssertionError("weights changed under the roll")


def consolation_of(odds: Sequence[dict[str, Any]]) -> int | None:
    return next((int(o["prize"]) for o in odds if o["consolation"]), None)


def _take_draw(lottery: Lottery, person_id: int, now: datetime) -> None:
    if not take_allowance(
        DrawAllowance, "drawn", lottery.draws_total, lottery=lottery, customer_id=person_id
    ):
        raise Refused("draws_total")
    # A row per person and day (not a counter key): a merge adds the profiles' draws.
    if not take_allowance(
        LotteryDayDraws,
        "drawn",
        lottery.draws_per_day,
        lottery=lottery,
        customer_id=person_id,
        day_start=day_of(now).start,
    ):
        raise Refused("draws_today")


@transaction.atomic
def draw(lottery_id: int, customer_id: int, *, now: datetime | None = None) -> Draw:
    """One draw for the person behind ``customer_id``; raises ``Refused``."""
    now = now or timezone.now()
    person = locked_person_id(customer_id)
    lottery = Lottery.objects.get(pk=lottery_id)
    if lottery.status != CampaignStatus.PUBLISHED:
        raise Refused("not_published")
    if (lottery.starts_at and now < lottery.starts_at) or (
        lottery.ends_at and now >= lottery.ends_at
    ):
        raise Refused("ended")
    _take_draw(lottery, person, now)
    # The lottery row lock numbers the draws in the order they take stock.
    locked = Lottery.objects.select_for_update().get(pk=lottery_id)
    seq = locked.draws_made + 1
    roll = roll_of(locked.seed, locked.pk, seq)
    picked = pick(locked.published_odds, roll)
    won = Prize.objects.filter(pk=picked, awarded__lt=F("stock")).update(awarded=F("awarded") + 1)
    prize = picked if won else consolation_of(locked.published_odds)
    if not won and prize is not None:
        Prize.objects.filter(pk=prize).update(awarded=F("awarded") + 1)
    Lottery.objects.filter(pk=locked.pk).update(draws_made=seq)
    return Draw.objects.create(
        lottery=locked,
        seq=seq,
        customer_id=person,
        roll=roll,
        picked_id=picked,
        prize_id=prize,
        created_at=now,
    )


@dataclass(frozen=True)
class Replayed:
    seq: int
    roll: int
    picked: int
    prize: int | None


def replay_draws(
    seed: str, lottery_id: int, odds: Sequence[dict[str, Any]], count: int
) -> list[Replayed]:
    """What draws 1..count must have given, from the seed and the published odds alone."""
    stock = {int(o["prize"]): int(o["stock"]) for o in odds if not o["consolation"]}
    out = []
    for seq in range(1, count + 1):
        roll = roll_of(seed, lottery_id, seq)
        picked = pick(odds, roll)
        if stock[picked] > 0:
            stock[picked] -= 1
            prize: int | None = picked
        else:
            prize = consolation_of(odds)
        out.append(Replayed(seq, roll, picked, prize))
    return out


def audit_lottery(lottery: Lottery) -> list[int]:
    """The sequence numbers whose logged outcome differs from the replay (empty: clean)."""
    logged = list(lottery.draws.order_by("seq").values_list("seq", "roll", "picked_id", "prize_id"))
    replay = replay_draws(lottery.seed, lottery.pk, lottery.published_odds, len(logged))
    return [
        seq
        for (seq, roll, picked, prize), r in zip(logged, replay, strict=True)
        if (seq, roll, picked, prize) != (r.seq, r.roll, r.picked, r.prize)
    ]
