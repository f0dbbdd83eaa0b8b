"""Merging profiles carries the channels app's rows; unmerging brings them back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from siyu.channels.models import Attribution, Touch
from siyu.channels.tests.factories import make_channel
from siyu.customers.identity_rules import IdentityInput
from siyu.customers.merge import merge_customers, unmerge
from siyu.customers.models import Customer
from siyu.customers.profiles import upsert_customer

T = datetime(2026, 3, 14, tzinfo=UTC)


def _pair() -> tuple[Customer, Customer]:
    a = upsert_customer([IdentityInput("wechat_unionid", "oA")], fields={}, source="t")
    b = upsert_customer([IdentityInput("wechat_unionid", "oB")], fields={}, source="t")
    return a, b


def _first_touches() -> dict[int, str]:
    return dict(Attribution.objects.values_list("customer_id", "channel__name"))


@pytest.mark.django_db
def test_touches_follow_the_merge_and_come_back_on_unmerge() -> None:
    a, b = _pair()
    douyin, parcel = make_channel("抖音"), make_channel("包裹卡")
    Attribution.objects.create(customer=a, channel=douyin, touched_at=T)
    Attribution.objects.create(customer=b, channel=parcel, touched_at=T)
    touch = Touch.objects.create(customer=b, channel=parcel, occurred_at=T, idempotency_key="k1")

    record = merge_customers(a, b, reason="test")
    touch.refresh_from_db()
    assert touch.customer_id == a.pk
    # One first touch per profile: the survivor keeps its own (as early as the other's),
    # the other is set aside in the merge record, nothing is left on the merged profile.
    assert _first_touches() == {a.pk: "抖音"}

    unmerge(record)
    touch.refresh_from_db()
    assert touch.customer_id == b.pk
    assert _first_touches() == {a.pk: "抖音", b.pk: "包裹卡"}


@pytest.mark.django_db
def test_the_earlier_first_touch_wins_the_merge() -> None:
    a, b = _pair()
    Attribution.objects.create(customer=a, channel=make_channel("抖音"), touched_at=T)
    early = Attribution.objects.create(
        customer=b, channel=make_channel("包裹卡"), touched_at=T - timedelta(days=30)
    )
    record = merge_customers(a, b, reason="test")
    assert _first_touches() == {a.pk: "包裹卡"}
    assert Attribution.objects.get(customer=a).pk == early.pk

    unmerge(record)
    assert _first_touches() == {a.pk: "抖音", b.pk: "包裹卡"}
