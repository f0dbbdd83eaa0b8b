from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from siyu.console.tests.factories import days_ago, login, make_customer
from siyu.core.models import AuditLog
from siyu.customers.consent import record_consent
from siyu.customers.events import record_event
from siyu.customers.merge import merge_customers
from siyu.customers.models import CustomerTag
from siyu.customers.orders import OrderInput, OrderLineInput, RefundInput, import_order
from siyu.customers.tagging import add_tag, ensure_tag
from siyu.demo.brand import Brand

pytestmark = pytest.mark.django_db


def story(brand: Brand) -> Any:
    """张敏: two Tmall orders (one partly refunded), a channel-code scan, consent."""
    customer = make_customer("张敏", owner=brand.chen_jing, phone="13911112222", real_name="张敏")
    order = OrderInput(
        platform="taobao",
        order_no="TB001",
        paid_at=days_ago(200),
        total_fen=6800,
        paid_fen=6800,
        lines=(OrderLineInput("BEAN-1", "云南咖啡豆", 1, 6800, 6800),),
        refunds=(RefundInput("RF1", 1000, days_ago(198)),),
    )
    import_order(customer, order)
    record_event(
        customer,
        type="channel_code_scanned",
        occurred_at=days_ago(100),
        properties={"channel": "包裹卡"},
        source="wecom",
        idempotency_key="scan-1",
    )
    record_consent(
        customer,
        purpose="marketing",
        granted=True,
        policy_version="v1",
        source="wecom",
        at=days_ago(100),
    )
    record_consent(
        customer,
        purpose="marketing",
        granted=False,
        policy_version="v1",
        source="wecom",
        at=days_ago(10),
    )
    return customer


def test_360_page_tells_the_story_in_one_timeline(client: Client, brand: Brand) -> None:
    customer = story(brand)
    response = login(client, brand.lin_yue).get(f"/customers/{customer.pk}/")
    assert response.status_code == 200
    kinds = [e.kind for e in response.context["timeline"]]
    assert kinds == ["event", "refund", "order"]
    body = response.content.decode()
    assert "云南咖啡豆" in body
    assert "*******2222" in body
    assert "13911112222" not in body  # masked until someone asks and is audited
    current = response.context["current_consents"]
    assert [c.granted for c in current] == [False]
    assert len(response.context["consent_history"]) == 2


def test_reveal_shows_pii_and_writes_an_audit_record(client: Client, brand: Brand) -> None:
    customer = story(brand)
    login(client, brand.lin_yue)
    response = client.post(f"/customers/{customer.pk}/reveal/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "13911112222" in response.content.decode()
    audit = AuditLog.objects.get(action="pii.view")
    assert audit.actor == brand.lin_yue.user
    assert audit.target_id == str(customer.pk)


def test_reveal_needs_post_and_scope(client: Client, brand: Brand) -> None:
    customer = make_customer("刘洋", owner=brand.staff["sales05"])
    login(client, brand.chen_jing)
    assert client.get(f"/customers/{customer.pk}/reveal/").status_code == 405
    assert client.post(f"/customers/{customer.pk}/reveal/").status_code == 404
    assert not AuditLog.objects.exists()


def test_sales_staff_cannot_open_a_customer_they_do_not_follow(
    client: Client, brand: Brand
) -> None:
    other = make_customer("刘洋", owner=brand.staff["sales01"])
    assert login(client, brand.chen_jing).get(f"/customers/{other.pk}/").status_code == 404


def test_store_manager_cannot_open_another_stores_customer(client: Client, brand: Brand) -> None:
    mine = make_customer("张敏", owner=brand.chen_jing)
    other = make_customer("刘洋", owner=brand.staff["sales05"])
    login(client, brand.wang_qiang)
    assert client.get(f"/customers/{mine.pk}/").status_code == 200
    assert client.get(f"/customers/{other.pk}/").status_code == 404


def test_merged_profile_redirects_to_the_survivor(client: Client, brand: Brand) -> None:
    survivor = make_customer("张敏", owner=brand.chen_jing)
    merged = make_customer("张敏 (Tmall)")
    merge_customers(survivor, merged, reason="same phone")
    login(client, brand.lin_yue)
    response = client.get(f"/customers/{merged.pk}/")
    assert response.status_code == 302
    assert response["Location"] == f"/customers/{survivor.pk}/"
    timeline = client.get(f"/customers/{survivor.pk}/").context["timeline"]
    assert [e.kind for e in timeline] == ["merge"]


def test_missing_customer_is_404(client: Client, brand: Brand) -> None:
    assert login(client, brand.lin_yue).get("/customers/999999/").status_code == 404


def test_add_and_remove_a_manual_tag(client: Client, brand: Brand) -> None:
    customer = make_customer("张敏", owner=brand.chen_jing)
    tag = ensure_tag("兴趣", "手冲")
    login(client, brand.chen_jing)
    response = client.post(
        f"/customers/{customer.pk}/tags/", {"tag": tag.pk}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "手冲" in response.content.decode()
    link = CustomerTag.objects.get(customer=customer, tag=tag)
    assert link.created_by == brand.chen_jing.user
    client.post(f"/customers/{customer.pk}/tags/{tag.pk}/remove/", HTTP_HX_REQUEST="true")
    assert not CustomerTag.objects.filter(customer=customer).exists()


def test_rule_tags_cannot_be_added_or_removed_by_hand(client: Client, brand: Brand) -> None:
    customer = make_customer("张敏")
    rule_tag = ensure_tag(
        "行为", "复购", kind="rule", rule={"metric": "orders", "op": ">=", "value": 2}
    )
    add_tag(customer, rule_tag, source="rule")
    login(client, brand.lin_yue)
    client.post(f"/customers/{customer.pk}/tags/{rule_tag.pk}/remove/")
    assert CustomerTag.objects.filter(customer=customer, tag=rule_tag).exists()
    other = make_customer("刘洋")
    client.post(f"/customers/{other.pk}/tags/", {"tag": rule_tag.pk})
    assert not CustomerTag.objects.filter(customer=other).exists()


def test_tagging_a_customer_out_of_scope_is_404(client: Client, brand: Brand) -> None:
    other = make_customer("刘洋", owner=brand.staff["sales05"])
    tag = ensure_tag("兴趣", "手冲")
    login(client, brand.chen_jing)
    assert client.post(f"/customers/{other.pk}/tags/", {"tag": tag.pk}).status_code == 404
    assert not CustomerTag.objects.exists()


def test_360_query_count_is_bounded(
    client: Client, brand: Brand, django_assert_max_num_queries: Any
) -> None:
    customer = story(brand)
    for i in range(5):
        import_order(
            customer,
            OrderInput(
                platform="miniprogram",
                order_no=f"MP{i}",
                paid_at=days_ago(i + 1),
                total_fen=3000,
                paid_fen=3000,
                lines=(OrderLineInput("LATTE", "拿铁", 1, 3000, 3000),),
            ),
        )
    add_tag(customer, ensure_tag("兴趣", "手冲"))
    login(client, brand.lin_yue)
    # 18, +1: the coupons panel (campaigns) reads the customer's coupons in one query;
    # +5: the loyalty panel (points and pending, expiry by day, tier, paid plans, ledger);
    # +3: the budget panel (messaging settings, the customer's zone, one read of the log);
    # +3: the follow-up panel (loss alerts, open tasks, notes);
    # +3: the groups panel (her group memberships, their chats, the codes she scanned).
    with django_assert_max_num_queries(33):
        response = client.get(f"/customers/{customer.pk}/")
    assert len(response.context["timeline"]) == 8
