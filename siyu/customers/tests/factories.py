"""Small builders for customer tests."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from siyu.customers.identity_rules import IdentityInput
from siyu.customers.models import Customer
from siyu.customers.profiles import upsert_customer

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(year: int, month: int, day: int, hour: int = 12) -> datetime:
    return datetime(year, month, day, hour, tzinfo=SHANGHAI)


def make_customer(unionid: str, **fields: object) -> Customer:
    return upsert_customer(
        [IdentityInput("wechat_unionid", unionid)], fields=dict(fields), source="test"
    )
