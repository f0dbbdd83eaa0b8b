from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import F
from django.test import override_settings

from siyu.campaigns.lottery import (
    LotteryInvalid,
    audit_lottery,
    draw,
    publish_lottery,
    replay_draws,
)
from siyu.campaigns.models import Draw, Lottery, Prize
from siyu.campaigns.refusals import Refused
from siyu.campaigns.tests.factories import NOW, merged_pair
from siyu.customers.tests.factories import make_customer

pytestmark = pytest.mark.django_db


def make_lottery(**fields: object) -> Lottery:
    values: dict[str, object] = {
        "name": "消费抽奖",
        "draws_per_day": 2,
        "draws_total": 3,
        "created_at": NOW,
    }
    values.update(fields)
    lottery = Lottery.objects.create(**values)
    Prize.objects.create(lottery=lottery, name="咖啡机", value_fen=300_000, weight=1, stock=1)
    Prize.objects.create(lottery=lottery, name="挂耳", value_fen=3_000, weight=9, stock=2)
    Prize.objects.create(lottery=lottery, name="5元券", value_fen=500, is_consolation=True)
    return lottery


def test_publishing_stores_the_odds_and_a_commitment_to_the_seed() -> None:
    lottery = publish_lottery(make_lottery().pk, NOW)
    odds = {o["name"]: o for o in lottery.published_odds}
    assert odds["咖啡机"]["probability"] == pytest.approx(0.1)
    assert (odds["挂耳"]["stock"], odds["5元券"]["consolation"]) == (2, True)
    assert len(lottery.seed_sha256) == 64
    assert lottery.seed not in str(lottery.published_odds)
    with pytest.raises(LotteryInvalid):
        publish_lottery(lottery.pk, NOW)


@override_settings(SIYU_LOTTERY_TOP_PRIZE_CAP_FEN=200_000)
def test_a_prize_above_the_top_prize_cap_refuses_publication() -> None:
    with pytest.raises(LotteryInvalid, match="2,000"):
        publish_lottery(make_lottery().pk, NOW)


def test_stock_runs_out_into_the_consolation_prize_and_the_log_replays() -> None:
    lottery = publish_lottery(make_lottery(draws_total=10, draws_per_day=10).pk, NOW)
    person = make_customer("oU-lot").pk
    won = [draw(lottery.pk, person, now=NOW).prize.name for _ in range(10)]  # type: ignore[union-attr]
    assert won.count("咖啡机") <= 1
    assert won.count("挂耳") <= 2
    assert won.count("5元券") == 10 - won.count("咖啡机") - won.count("挂耳") >= 7
    lottery.refresh_from_db()
    assert audit_lottery(lottery) == []
    replay = replay_draws(lottery.seed, lottery.pk, lottery.published_odds, 10)
    assert [r.prize for r in replay] == list(
        Draw.objects.order_by("seq").values_list("prize_id", flat=True)
    )


def test_a_tampered_log_fails_the_audit() -> None:
    lottery = publish_lottery(make_lottery().pk, NOW)
    person = make_customer("oU-aud").pk
    draw(lottery.pk, person, now=NOW)
    draw(lottery.pk, person, now=NOW)
    Draw.objects.filter(lottery=lottery, seq=2).update(roll=F("roll") + 1)
    lottery.refresh_from_db()
    assert audit_lottery(lottery) == [2]


def test_draws_per_day_and_in_total_count_per_person() -> None:
    lottery = publish_lottery(make_lottery().pk, NOW)
    survivor, merged = merged_pair("lot")
    draw(lottery.pk, survivor.pk, now=NOW)
    draw(lottery.pk, merged.pk, now=NOW)
    with pytest.raises(Refused) as today:
        draw(lottery.pk, survivor.pk, now=NOW)
    assert today.value.code == "draws_today"
    draw(lottery.pk, survivor.pk, now=NOW + timedelta(days=1))
    with pytest.raises(Refused) as caught:
        draw(lottery.pk, merged.pk, now=NOW + timedelta(days=2))
    assert caught.value.code == "draws_total"


def test_an_unpublished_lottery_refuses_draws() -> None:
    with pytest.raises(Refused):
        draw(make_lottery().pk, make_customer("oU-unp").pk, now=NOW)
