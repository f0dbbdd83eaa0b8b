"""The 360 page's summary (spend, rhythm, layer, predicted value, channel, owner), the
timeline in words, and the page's query count staying flat as a customer's history grows."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from siyu.channels.models import Channel, ChannelCode
from siyu.console.customer_summary import forget_population, population
from siyu.console.tests.factories import days_ago, login, make_customer
from siyu.customers.events import record_event
from siyu.customers.models import Customer
from siyu.customers.orders import OrderInput, OrderLineInput, RefundInput, import_order
from siyu.demo.brand import Brand

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_population() -> Iterator[None]:
    forget_population()
    yield
    forget_population()


def buy(customer: Customer, no: str, days: int, fen: int, refund: int = 0) -> None:
    refunds = (RefundInput(f"R{no}", refund, days_ago(days - 1)),) if refund else ()
    import_order(
        customer,
        OrderInput(
            platform="taobao",
            order_no=no,
            paid_at=days_ago(days),
            total_fen=fen,
            paid_fen=fen,
            lines=(OrderLineInput("BEAN", "云南咖啡豆", 1, fen, fen),),
            refunds=refunds,
        ),
    )


def test_summary_states_spend_rhythm_layer_and_owner(client: Client, brand: Brand) -> None:
    customer = make_customer("张敏", owner=brand.chen_jing)
    buy(customer, "A1", 100, 6800, refund=1000)
    buy(customer, "A2", 50, 12800)
    response = login(client, brand.lin_yue).get(f"/customers/{customer.pk}/")
    summary = response.context["summary"]
    assert summary.net_spend_fen == 18600
    assert summary.orders == 2
    assert round(summary.average_interval_days) == 50
    assert summary.owner == "陈静"
    assert summary.rfm_layer  # one buyer: every score is the top quintile
    body = response.content.decode()
    assert "¥186.00" in body
    assert "重要价值" in body
    # One buyer cannot fit a population model: said in words, not left blank.
    assert summary.p_alive is None
    assert "数据不足：购买客户少于 30 位" in body


def test_predicted_value_and_p_alive_come_from_the_fitted_model(
    client: Client, brand: Brand
) -> None:
    target = None
    for i in range(40):
        person = make_customer(f"客户{i}", owner=brand.chen_jing)
        for k in range(1 + i % 4):
            buy(person, f"P{i}-{k}", 300 - 60 * k - i, 5000 + 300 * i)
        target = person
    assert target is not None
    response = login(client, brand.lin_yue).get(f"/customers/{target.pk}/")
    summary = response.context["summary"]
    assert summary.p_alive is not None
    assert 0.0 < summary.p_alive <= 1.0
    assert summary.predicted_value_fen is not None
    assert summary.predicted_value_fen > 0
    assert f"{summary.p_alive_percent}%" in response.content.decode()


def test_timeline_reads_as_words(client: Client, brand: Brand) -> None:
    channel = Channel.objects.create(name="包裹卡", kind="taobao_parcel_card")
    ChannelCode.objects.create(channel=channel, state="pc01")
    customer = make_customer("刘洋", owner=brand.chen_jing)
    props = {"user_id": "ChenJing", "state": "pc01", "corp_id": "ww1", "welcome_code": "wc"}
    record_event(
        customer,
        type="wecom_contact_added",
        occurred_at=days_ago(3),
        properties=props,
        idempotency_key="add",
    )
    record_event(
        customer, type="welcome_message_sent", occurred_at=days_ago(3), idempotency_key="w"
    )
    response = login(client, brand.lin_yue).get(f"/customers/{customer.pk}/")
    added = [e for e in response.context["timeline"] if e.title == "扫码添加"]
    assert [e.detail for e in added] == ["陈静 · 渠道 包裹卡 · 已发送欢迎语"]
    body = response.content.decode()
    for raw in ("user_id", "corp_id", "welcome_code", "pc01"):
        assert raw not in body


def _queries(client: Client, customer: Customer) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(f"/customers/{customer.pk}/").status_code == 200
    return [q["sql"] for q in captured.captured_queries]


def _history(customer: Customer, n: int, tag: str) -> None:
    for i in range(n):
        buy(customer, f"{tag}{i}", 10 + i, 1000 + i, refund=100 if i % 2 else 0)
        props: dict[str, Any] = {"user_id": "ChenJing", "state": f"s{i}", "page": f"/p/{i}"}
        record_event(
            customer,
            type="wecom_contact_added" if i % 2 else "page_view",
            occurred_at=days_ago(i),
            properties=props,
            idempotency_key=f"{tag}-e{i}",
        )


def test_360_query_count_does_not_grow_with_history(client: Client, brand: Brand) -> None:
    small = make_customer("小", owner=brand.chen_jing)
    large = make_customer("大", owner=brand.chen_jing)
    _history(small, 1, "s")
    _history(large, 30, "l")
    login(client, brand.lin_yue)
    population()  # the per-process population facts, fitted once
    few, many = _queries(client, small), _queries(client, large)
    assert len(few) == len(many), "\n".join(many)
    assert len(many) <= 33  # +3: the follow-up panel (loss alerts, open tasks, notes)
    # Only the customer's own rows: every order read names the customer.
    for sql in many:
        if 'FROM "customers_order"' in sql:
            assert "customer_id" in sql
