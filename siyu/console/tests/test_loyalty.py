"""The loyalty console: HQ creates and publishes rules, tiers, plans and mall items, a rule
that rewards sharing is refused with the reason, the report adds up, the 360 page shows
the customer's ledger."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from siyu.console.tests.factories import login, make_customer
from siyu.demo.brand import Brand
from siyu.loyalty.ledger import Award, award_points, spend_points
from siyu.loyalty.models import EarningRule, PaidPlan, Status

pytestmark = pytest.mark.django_db

RULE = {
    "rule-name": "消费积分", "rule-kind": "purchase", "rule-points": 0, "rule-points_per_yuan": 1,
    "rule-task_event": "", "rule-limit_per_day": 0, "rule-limit_per_period": 0,
    "rule-limit_period": "month", "rule-pending_days": 7, "rule-valid_days": 365,
}  # fmt: skip


def test_hq_creates_a_draft_rule_and_publishes_it(client: Client, brand: Brand) -> None:
    login(client, brand.lin_yue)
    assert client.post("/loyalty/rule/new/", RULE).status_code == 302
    rule = EarningRule.objects.get(name="消费积分")
    assert rule.status == Status.DRAFT
    client.post(f"/loyalty/rule/{rule.pk}/status/", {"status": "active"})
    rule.refresh_from_db()
    assert rule.status == Status.ACTIVE
    page = client.get("/loyalty/")
    assert "消费积分" in page.content.decode()


def test_a_sharing_rule_is_refused_with_the_reason(client: Client, brand: Brand) -> None:
    login(client, brand.lin_yue)
    share = {**RULE, "rule-name": "分享有礼", "rule-kind": "task", "rule-points": 10,
             "rule-task_event": "referral_shared"}  # fmt: skip
    page = client.post("/loyalty/rule/new/", share, follow=True)
    assert "诱导分享" in page.content.decode()
    assert not EarningRule.objects.filter(name="分享有礼").exists()


def test_a_plan_price_is_typed_in_yuan(client: Client, brand: Brand) -> None:
    login(client, brand.lin_yue)
    plan = {"plan-name": "山茶 Plus", "plan-sku": "PLUS", "plan-term_days": 365,
            "plan-price_yuan": "199.00", "plan-discount_percent": 90, "plan-points_multiplier": 200,
            "plan-remind_days": 7}  # fmt: skip
    client.post("/loyalty/plan/new/", plan)
    assert PaidPlan.objects.get(sku="PLUS").price_fen == 19900


def test_sales_staff_read_but_do_not_edit(client: Client, brand: Brand) -> None:
    login(client, brand.chen_jing)
    assert client.get("/loyalty/").status_code == 200
    assert client.post("/loyalty/rule/new/", RULE).status_code == 403


def test_the_report_and_the_360_panel_show_the_ledger(client: Client, brand: Brand) -> None:
    zhao = make_customer("赵蕾", owner=brand.chen_jing)
    award_points(zhao.pk, Award("test", "manual", "z1", 500, reason="开业礼"), at=timezone.now())
    spend_points(zhao.pk, 120, key="mall:1", reason="山茶马克杯")
    login(client, brand.lin_yue)
    report = client.get("/loyalty/").context["report"]
    assert (report.issued, report.used, report.liability) == (500, 120, 380)
    page = client.get(f"/customers/{zhao.pk}/").content.decode()
    assert 'id="loyalty-ledger"' in page
    assert "山茶马克杯" in page
    assert "380" in page
