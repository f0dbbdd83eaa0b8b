"""The chat sidebar's test brand: 张敏 as a WeCom contact of 陈静, with orders on two
platforms, and a few materials 陈静 may send."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from siyu.console.tests.factories import make_customer
from siyu.content.models import Material, MaterialKind
from siyu.content.tests.factories import buy, make_material
from siyu.customers.identity_rules import IdentityInput
from siyu.customers.models import Customer, Platform
from siyu.customers.orders import OrderInput, import_order
from siyu.customers.profiles import upsert_customer
from siyu.demo.brand import Brand

EXTERNAL_USERID = "wmZhangMin0001"
PHONE = "13900001111"


@dataclass(frozen=True)
class Seeded:
    customer: Customer
    article: Material
    script: Material


def seed_sidebar(brand: Brand, corp_id: str = "") -> Seeded:
    corp_id = corp_id or settings.SIYU_WECOM_CORP_ID
    zhang = make_customer("张敏", owner=brand.chen_jing, phone=PHONE)
    ids = [
        IdentityInput("phone", PHONE),
        IdentityInput("wecom_external_userid", EXTERNAL_USERID, corp_id),
    ]
    assert upsert_customer(ids, fields={}, source="test").pk == zhang.pk
    now = timezone.now()
    buy(zhang, "mp-1", 3800, now)
    import_order(
        zhang,
        OrderInput(
            platform=Platform.TAOBAO, order_no="tb-1", paid_at=now, total_fen=12900, paid_fen=12900
        ),
    )
    article = make_material("手冲入门")
    script = make_material(
        "开场话术", kind=MaterialKind.SCRIPT, url="", text="{name} 您好，我是{owner}"
    )
    return Seeded(zhang, article, script)
