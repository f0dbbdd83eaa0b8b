from __future__ import annotations

from datetime import timedelta

import pytest

from siyu.campaigns.models import Bundle, PriceWindow, WindowKind
from siyu.campaigns.pricing import Line, price_cart
from siyu.campaigns.sharing import SharingRewardRefused, check_reward_trigger
from siyu.campaigns.tests.factories import NOW

pytestmark = pytest.mark.django_db

HOUR = timedelta(hours=1)


def test_limited_and_early_bird_windows_take_the_lowest_open_price() -> None:
    PriceWindow.objects.create(kind=WindowKind.EARLY_BIRD, sku="TENT", price_fen=39900,
                               starts_at=NOW - HOUR, ends_at=NOW)  # fmt: skip
    PriceWindow.objects.create(kind=WindowKind.LIMITED, sku="TENT", price_fen=45900,
                               starts_at=NOW, ends_at=NOW + HOUR)  # fmt: skip
    cart = [Line("TENT", 1, 49900)]
    assert price_cart(cart, NOW - timedelta(minutes=1)).goods_fen == 39900
    assert price_cart(cart, NOW).goods_fen == 45900
    assert price_cart(cart, NOW + HOUR).goods_fen == 49900


def test_a_complete_scene_kit_gets_the_bundle_price() -> None:
    Bundle.objects.create(name="露营套装", skus=["TENT", "CHAIR", "DRIP"], price_fen=60000)
    kit = [Line("TENT", 1, 49900), Line("CHAIR", 2, 12900), Line("DRIP", 1, 6900)]
    priced = price_cart(kit, NOW)
    assert priced.bundles == ["露营套装"]
    assert priced.goods_fen == 60000 + 12900
    assert price_cart(kit[:2], NOW).bundles == []


def test_an_add_on_needs_the_rest_of_the_cart_to_reach_its_threshold() -> None:
    PriceWindow.objects.create(kind=WindowKind.ADD_ON, sku="MUG", price_fen=990, threshold_fen=20000,
                               starts_at=NOW, ends_at=NOW + HOUR)  # fmt: skip
    assert price_cart([Line("BEANS", 2, 9800), Line("MUG", 1, 5900)], NOW).add_ons == []
    priced = price_cart([Line("BEANS", 3, 9800), Line("MUG", 1, 5900)], NOW)
    assert (priced.add_ons, priced.goods_fen) == (["MUG"], 3 * 9800 + 990)


@pytest.mark.parametrize("trigger", ["share", "share_to_group", "share_to_moments", "invite_click"])
def test_rewarding_sharing_itself_is_refused_with_the_reason(trigger: str) -> None:
    with pytest.raises(SharingRewardRefused, match="诱导分享"):
        check_reward_trigger(trigger)


def test_rewarding_what_a_share_led_to_is_allowed() -> None:
    assert check_reward_trigger("referral_order") == "referral_order"
    with pytest.raises(ValueError, match="made-up"):
        check_reward_trigger("made-up")
