"""The member-centre H5 page in Debian's chromium at phone width: it signs in with the
member reference from the fragment, shows points with their expiry, checks in, redeems,
and never scrolls sideways."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from siyu.console.tests.test_browser import ARTIFACTS, CHROMIUM
from siyu.loyalty.models import ItemKind, MallItem, RuleKind, Status
from siyu.loyalty.tests.browser import member_page
from siyu.loyalty.tests.factories import give, make_person, make_rule

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"
    ),
]


def test_the_member_centre_works_at_phone_width(live_server: Any, db: None) -> None:
    lei = make_person("赵蕾")
    give(lei, 300, at=timezone.now(), days=30)
    make_rule(RuleKind.CHECKIN, name="每日签到", points=5)
    MallItem.objects.create(name="山茶马克杯", kind=ItemKind.GOODS, points_cost=200, stock=3,
                            status=Status.ACTIVE)  # fmt: skip
    with member_page(live_server, lei.pk) as (page, expect):
        expect(page.locator("#name")).to_have_text("赵蕾")
        expect(page.locator("#balance")).to_have_text("300")
        expect(page.locator("#expiring")).to_contain_text("300")
        page.get_by_role("button", name="签到").click()
        expect(page.locator("#checkin-note")).to_contain_text("+5")
        expect(page.locator("#balance")).to_have_text("305")
        page.get_by_role("button", name="兑换").click()
        expect(page.locator("#balance")).to_have_text("105")
        expect(page.locator("#ledger")).to_contain_text("山茶马克杯")
        assert "ref=" not in page.url  # the reference leaves the address bar
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= 390
        page.screenshot(path=str(ARTIFACTS / "member-centre.png"), full_page=True)
