from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from siyu.channels.attribution import attribute_contact
from siyu.channels.codes import create_channel_code
from siyu.channels.models import Attribution, Touch
from siyu.channels.tests.factories import make_channel, make_wecom_customer
from siyu.channels.tests.fakes import FakeGateway
from siyu.demo.brand import Brand


def test_first_touch_is_kept_and_later_touches_are_recorded(brand: Brand) -> None:
    gateway = FakeGateway()
    douyin = create_channel_code(make_channel("抖音"), [brand.chen_jing], gateway=gateway)
    poster = create_channel_code(
        make_channel("门店海报", "store_poster"), [brand.wang_qiang], gateway=gateway
    )
    customer = make_wecom_customer("wmA")
    t0 = timezone.now()
    first = attribute_contact(
        customer, state=douyin.state, staff=brand.chen_jing, occurred_at=t0, idempotency_key="k1"
    )
    later = attribute_contact(
        customer,
        state=poster.state,
        staff=brand.wang_qiang,
        occurred_at=t0 + timedelta(days=3),
        idempotency_key="k2",
    )
    assert first is not None
    assert first.first_touch
    assert later is not None
    assert not later.first_touch
    assert later.new_touch
    attribution = Attribution.objects.get(customer=customer)
    assert attribution.channel.name == "抖音"
    assert attribution.staff == brand.chen_jing
    assert sorted(Touch.objects.values_list("channel__name", flat=True)) == ["抖音", "门店海报"]


def test_the_same_add_delivered_twice_is_one_touch(brand: Brand) -> None:
    code = create_channel_code(make_channel(), [brand.chen_jing], gateway=FakeGateway())
    customer = make_wecom_customer("wmB")
    for _ in range(2):
        attribute_contact(
            customer,
            state=code.state,
            staff=brand.chen_jing,
            occurred_at=timezone.now(),
            idempotency_key="same",
        )
    assert Touch.objects.count() == 1


def test_unknown_or_empty_state_is_not_attributed(brand: Brand) -> None:
    customer = make_wecom_customer("wmC")
    for state in ("", "made-in-admin-console"):
        assert (
            attribute_contact(
                customer, state=state, staff=None, occurred_at=timezone.now(), idempotency_key=state
            )
            is None
        )
    assert not Attribution.objects.exists()
