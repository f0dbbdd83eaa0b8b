from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from siyu.channels.attribution import attribute_contact
from siyu.channels.codes import create_channel_code
from siyu.channels.models import ChannelCode
from siyu.channels.rotation import rotate_all_codes, rotate_code
from siyu.channels.tests.factories import make_channel, make_wecom_customer
from siyu.channels.tests.fakes import FakeGateway
from siyu.core.models import Staff
from siyu.demo.brand import Brand


def _add(code: ChannelCode, staff: Staff, n: int, gateway: FakeGateway) -> None:
    customer = make_wecom_customer(f"wm{staff.pk}-{n}")
    attribute_contact(
        customer,
        state=code.state,
        staff=staff,
        occurred_at=timezone.now(),
        idempotency_key=f"add:{staff.pk}:{n}",
    )
    rotate_code(code, gateway=gateway)


def test_staff_leave_the_code_at_their_daily_cap_then_the_fallback_takes_over(
    brand: Brand,
) -> None:
    gateway = FakeGateway()
    a, b, fallback = brand.chen_jing, brand.wang_qiang, brand.lin_yue
    code = create_channel_code(
        make_channel(), [a, b], gateway=gateway, daily_cap=2, fallback=fallback
    )
    _add(code, a, 1, gateway)
    assert gateway.updates == []  # under the cap: no call to WeCom
    _add(code, a, 2, gateway)
    assert gateway.updates[-1] == (code.config_id, ("WangQiang",))
    _add(code, b, 1, gateway)
    _add(code, b, 2, gateway)
    assert gateway.updates[-1] == (code.config_id, ("LinYue",))
    assert len(gateway.updates) == 2


def test_a_new_day_puts_capped_staff_back(brand: Brand) -> None:
    gateway = FakeGateway()
    a, b = brand.chen_jing, brand.wang_qiang
    code = create_channel_code(make_channel(), [a, b], gateway=gateway, daily_cap=1)
    _add(code, a, 1, gateway)
    assert gateway.updates[-1][1] == ("WangQiang",)
    assert rotate_all_codes(gateway=gateway, now=timezone.now() + timedelta(days=1)) == 1
    assert gateway.updates[-1][1] == ("ChenJing", "WangQiang")


def test_everyone_capped_without_fallback_keeps_everyone(brand: Brand) -> None:
    gateway = FakeGateway()
    code = create_channel_code(make_channel(), [brand.chen_jing], gateway=gateway, daily_cap=1)
    _add(code, brand.chen_jing, 1, gateway)
    assert gateway.updates == []
