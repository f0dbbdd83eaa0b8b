"""Merging profiles carries the channels app's rows; unmerging brings them back."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from siyu.channels.models import Attribution, Touch
from siyu.channels.tests.factories import make_channel
from siyu.customers.identity_rules import IdentityInput
from siyu.customers.merge import merge_customers, unmerge
from siyu.customers.profiles import upsert_customer

T = datetime(2026, 3, 14, tzinfo=UTC)


@pytest.mark.django_db
def test_touches_follow_the_merge_and_come_back_on_unmerge() -> None:
    a = upsert_customer([IdentityInput("wechat_unionid", "oA")], fields={}, source="t")
    b = upsert_customer([IdentityInput("wechat_unionid", "oB")], fields={}, source="t")
    douyin, parcel = make_channel("抖音"), make_channel("包裹卡")
    Attribution.objects.create(customer=a, channel=douyin, touched_at=T)
    Attribution.objects.create(customer=b, channel=parcel, touched_at=T)
    touch = Touch.objects.create(customer=b, channel=parcel, occurred_at=T, idempotency_key="k1")

    record = merge_customers(a, b, reason="test")
    touch.refresh_from_db()
    assert touch.customer_id == a.pk
    # One first touch per profile: the survivor keeps its own, the other waits on the
    # merged profile rather than being lost.
    assert Attribution.objects.get(customer=a).channel == douyin
    assert Attribution.objects.get(customer=b).channel == parcel

    unmerge(record)
    touch.refresh_from_db()
    assert touch.customer_id == b.pk
