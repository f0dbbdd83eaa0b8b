from __future__ import annotations

from datetime import timedelta

import pytest

from siyu.campaigns.flash import buy_flash, lapse_unpaid, pay_flash
from siyu.campaigns.models import CampaignStatus, FlashAllowance, FlashSale
from siyu.campaigns.refusals import Refused
from siyu.campaigns.tests.factories import NOW
from siyu.customers.tests.factories import make_customer

pytestmark = pytest.mark.django_db


def sale(**fields: object) -> FlashSale:
    values: dict[str, object] = {
        "name": "秒杀",
        "sku": "MUG",
        "price_fen": 990,
        "stock": 2,
        "per_person_limit": 1,
        "starts_at": NOW,
        "ends_at": NOW + timedelta(hours=1),
        "status": CampaignStatus.PUBLISHED,
        "created_at": NOW,
    }
    values.update(fields)
    return FlashSale.objects.create(**values)


def test_own_stock_and_per_person_cap() -> None:
    flash = sale()
    a = make_customer("oU-fa").pk
    buy_flash(flash.pk, a, now=NOW)
    with pytest.raises(Refused) as limited:
        buy_flash(flash.pk, a, now=NOW)
    assert limited.value.code == "person_limit"
    buy_flash(flash.pk, make_customer("oU-fb").pk, now=NOW)
    with pytest.raises(Refused) as caught:
        buy_flash(flash.pk, make_customer("oU-fc").pk, now=NOW)
    assert caught.value.code == "sold_out"


def test_an_unpaid_order_lapses_and_returns_its_stock_and_allowance() -> None:
    flash = sale(stock=1)
    person = make_customer("oU-fl").pk
    order = buy_flash(flash.pk, person, now=NOW)
    assert lapse_unpaid(NOW + timedelta(minutes=14)) == 0
    assert lapse_unpaid(NOW + timedelta(minutes=15)) == 1
    flash.refresh_from_db()
    assert (flash.sold, FlashAllowance.objects.get().taken) == (0, 0)
    with pytest.raises(Refused):
        pay_flash(order.pk, NOW + timedelta(minutes=16))
    again = buy_flash(flash.pk, person, now=NOW + timedelta(minutes=16))
    pay_flash(again.pk, NOW + timedelta(minutes=17))
    assert lapse_unpaid(NOW + timedelta(hours=2)) == 0


def test_outside_its_window_the_sale_refuses() -> None:
    flash = sale()
    with pytest.raises(Refused):
        buy_flash(flash.pk, make_customer("oU-fw").pk, now=NOW - timedelta(seconds=1))
    with pytest.raises(Refused):
        buy_flash(flash.pk, make_customer("oU-fw").pk, now=NOW + timedelta(hours=1))
