"""Small builders for content tests: materials and customers known by a WeChat openid."""

from __future__ import annotations

from datetime import datetime

from siyu.content.library import MaterialInput, save_material
from siyu.content.models import Material, MaterialKind
from siyu.customers.identity_rules import IdentityInput
from siyu.customers.models import Customer, Platform
from siyu.customers.orders import OrderInput, import_order
from siyu.customers.profiles import upsert_customer
from siyu.demo.brand import JINGAN, Brand

OA_APPID = "wxsiyudemooa0001"


def make_material(
    title: str = "手冲入门",
    *,
    kind: str = MaterialKind.ARTICLE,
    url: str = "https://brand.example.com/articles/pour-over",
    text: str = "{name} 您好，{owner} 为您准备了《手冲入门》。{store} 见！{coupon}",
    **extra: object,
) -> Material:
    return save_material(MaterialInput(title=title, kind=kind, url=url, text=text, **extra))  # type: ignore[arg-type]


def make_customer(brand: Brand, name: str = "张敏", openid: str = "oZhangMin") -> Customer:
    return upsert_customer(
        [IdentityInput("wechat_openid", openid, OA_APPID)],
        fields={
            "display_name": name,
            "primary_owner": brand.chen_jing,
            "org_unit": brand.stores[JINGAN],
        },
        source="test",
    )


def buy(customer: Customer, order_no: str, paid_fen: int, at: datetime) -> None:
    import_order(
        customer,
        OrderInput(
            platform=Platform.MINIPROGRAM,
            order_no=order_no,
            paid_at=at,
            total_fen=paid_fen,
            paid_fen=paid_fen,
        ),
    )
