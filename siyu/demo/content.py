"""山茶咖啡's content library (素材库) and its radar: an article with two wordings, a poster,
scripts and the gift-pack card; the personas read the article through their tracked links
(张敏 three times), so the radar, the owner notices and the conversion page have data."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from siyu.content.library import MaterialInput, save_material, save_variant
from siyu.content.models import Material, MaterialKind, TrackedLink
from siyu.content.radar import Reader, record_beacon, record_open
from siyu.content.render import render_material
from siyu.core.models import Role
from siyu.customers.models import Customer, CustomerStatus, Identity
from siyu.demo.catalog import MINIPROGRAM_APPID

ARTICLE = "手冲入门"
PERSONAS = ("张敏", "刘洋", "赵蕾")
OTHER_READERS = 9

LIBRARY = (
    MaterialInput(
        title=ARTICLE, kind=MaterialKind.ARTICLE, folder="咖啡知识", tags=("手冲", "新手"),
        url="https://shancha.example.com/articles/pour-over",
        text="{name}，{owner} 给您整理了一份手冲入门：水温 92℃，粉水比 1:15。{coupon}",
    ),
    MaterialInput(
        title="冷萃配方", kind=MaterialKind.ARTICLE, folder="咖啡知识", tags=("冷萃",),
        url="https://shancha.example.com/articles/cold-brew",
        text="夏天来杯冷萃：12 小时慢萃，清甜不苦。",
    ),
    MaterialInput(
        title="新品海报·秋季拼配", kind=MaterialKind.POSTER, folder="新品", tags=("新品",),
        media_key="autumn-blend.png",
    ),
    MaterialInput(
        title="开场话术", kind=MaterialKind.SCRIPT, folder="话术", tags=("开场",),
        text="{name} 您好，我是{store}的{owner}，有任何咖啡问题随时问我～",
        roles=(Role.SALES, Role.STORE_MANAGER),
    ),
    MaterialInput(
        title="复购提醒话术", kind=MaterialKind.SCRIPT, folder="话术", tags=("复购",),
        text="{name}，上次的豆子快喝完了吧？本周会员购豆 95 折：{coupon}",
    ),
    MaterialInput(
        title="新人礼包卡片", kind=MaterialKind.MINIPROGRAM, folder="新品", tags=("新人",),
        miniprogram_appid=MINIPROGRAM_APPID, miniprogram_page="pages/gift/index",
        media_key="gift-pack.png",
    ),
)  # fmt: skip


def build_content(now: datetime) -> list[Material]:
    if Material.objects.filter(title=ARTICLE).exists():
        return list(Material.objects.all())
    made = [save_material(data) for data in LIBRARY]
    article = made[0]
    save_variant(article, name="A", title="手冲入门：三步冲出好咖啡", weight=1)
    save_variant(article, name="B", title="为你准备的手冲指南", weight=1)
    _reads(article, now)
    return made


def _reads(article: Material, now: datetime) -> None:
    active = Customer.objects.filter(status=CustomerStatus.ACTIVE).select_related("primary_owner")
    personas = list(active.filter(display_name__in=PERSONAS).order_by("pk"))
    others = active.exclude(display_name__in=PERSONAS).exclude(primary_owner=None)
    people = personas + list(others.order_by("pk")[:OTHER_READERS])
    for n, customer in enumerate(people):
        sender = customer.primary_owner_id
        render_material(article.pk, customer.pk, send_ref="demo:weekly-article", sender_id=sender)
        link = TrackedLink.objects.get(material=article, customer=customer)
        reader = Reader(f"b:demo-{customer.pk}")
        times = 3 if customer.display_name == "张敏" else 1 + n % 2
        for i in range(times):
            opened = record_open(link.code, reader, at=now - timedelta(days=3, hours=-i * 2))
            if opened is not None:
                record_beacon(link.code, reader, opened.open_id, 45 + 30 * i)


def open_sidebar_chat(sim: Any) -> str:
    """The simulated WeCom client has 张敏's owner in a chat with her, so the sidebar
    (``/sidebar/``, logged in as that owner) shows her. Returns the owner's username."""
    zhang = (
        Customer.objects.filter(display_name="张敏", status=CustomerStatus.ACTIVE)
        .select_related("primary_owner__user")
        .first()
    )
    if zhang is None or zhang.primary_owner is None:
        return ""
    external = (
        Identity.objects.filter(customer=zhang, type="wecom_external_userid")
        .values_list("value", flat=True)
        .first()
    )
    if not external or not zhang.primary_owner.wecom_userid:
        return ""
    sim.open_chat(zhang.primary_owner.wecom_userid, external_userid=external)
    return str(zhang.primary_owner.user.get_username())
