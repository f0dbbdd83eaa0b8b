from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from siyu.channels.codes import (
    ChannelCodeError,
    clean_up_codes,
    create_channel_code,
    retire_channel_code,
    set_code_staff,
    validate_state,
)
from siyu.channels.models import ChannelCode, CodeStatus
from siyu.channels.tests.factories import make_channel
from siyu.channels.tests.fakes import FakeGateway
from siyu.core.models import Staff
from siyu.demo.brand import Brand


def test_state_of_30_characters_is_accepted_and_31_refused() -> None:
    assert validate_state("a" * 30) == "a" * 30
    with pytest.raises(ChannelCodeError, match="30"):
        validate_state("a" * 31)
    with pytest.raises(ChannelCodeError):
        validate_state("空格 不行")


def test_creating_a_code_adds_a_contact_way_with_the_state(brand: Brand) -> None:
    gateway = FakeGateway()
    code = create_channel_code(
        make_channel(), [brand.chen_jing, brand.wang_qiang], gateway=gateway, skip_verify=False
    )
    assert code.config_id == "cfg1"
    spec = gateway.ways["cfg1"]
    assert spec.state == code.state
    assert len(code.state) <= 30
    assert spec.userids == ("ChenJing", "WangQiang")
    assert spec.skip_verify is False


def test_the_same_setup_reuses_the_code_instead_of_spending_quota(brand: Brand) -> None:
    gateway = FakeGateway()
    channel = make_channel()
    first = create_channel_code(channel, [brand.chen_jing], gateway=gateway)
    again = create_channel_code(channel, [brand.chen_jing], gateway=gateway)
    other = create_channel_code(channel, [brand.wang_qiang], gateway=gateway)
    assert again.pk == first.pk
    assert other.pk != first.pk
    assert len(gateway.ways) == 2


def test_a_custom_state_too_long_writes_nothing(brand: Brand) -> None:
    gateway = FakeGateway()
    with pytest.raises(ChannelCodeError):
        create_channel_code(make_channel(), [brand.chen_jing], gateway=gateway, state="x" * 31)
    assert not ChannelCode.objects.exists()
    assert not gateway.ways


def test_staff_without_wecom_userid_is_refused(brand: Brand) -> None:
    Staff.objects.filter(pk=brand.chen_jing.pk).update(wecom_userid=None)
    brand.chen_jing.refresh_from_db()
    with pytest.raises(ChannelCodeError, match="userid"):
        create_channel_code(make_channel(), [brand.chen_jing], gateway=FakeGateway())


def test_replacing_staff_overwrites_the_wecom_user_list(brand: Brand) -> None:
    gateway = FakeGateway()
    code = create_channel_code(make_channel(), [brand.chen_jing], gateway=gateway)
    set_code_staff(code, [brand.wang_qiang, brand.lin_yue], gateway=gateway)
    assert gateway.ways[code.config_id].userids == ("WangQiang", "LinYue")


def test_retired_codes_are_deleted_from_wecom_only_after_the_grace_period(brand: Brand) -> None:
    gateway = FakeGateway()
    code = create_channel_code(make_channel(), [brand.chen_jing], gateway=gateway)
    retire_channel_code(code)
    assert clean_up_codes(gateway=gateway) == 0
    later = timezone.now() + timedelta(days=91)
    assert clean_up_codes(gateway=gateway, now=later) == 1
    assert gateway.deleted == [code.config_id]
    code.refresh_from_db()
    assert code.status == CodeStatus.DELETED
    assert clean_up_codes(gateway=gateway, now=later) == 0
