"""Finding text a person reads in the wrong language: English words on a Chinese page, Chinese
on an English page, once the brand's own data (names, stores, tags, products) is set aside.

Shared by the page-rendering test and the browser tour."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from django.contrib.auth import get_user_model

from siyu.campaigns.models import Coupon, GroupBuyDeal, Lottery, Prize
from siyu.channels.models import Channel, ChannelCode, WelcomeVariant
from siyu.community.models import (
    GroupCode,
    GroupInvite,
    GroupPost,
    Persona,
    PersonaMoment,
    SopSlot,
)
from siyu.content.models import ContentTag, Folder, Material, MaterialVariant
from siyu.core.models import OrgUnit, Staff
from siyu.customers.models import Customer, Identity, Order, OrderLine, Tag, TagGroup
from siyu.groups.models import GroupChat, GroupTag
from siyu.imports.models import ImportJob
from siyu.journeys.models import Journey
from siyu.loyalty.models import EarningRule, MallItem, PaidPlan, Tier
from siyu.messaging.models import SendPlan
from siyu.referrals.models import Programme
from siyu.segments.models import Segment
from siyu.workbench.models import FollowNote, Task, TaskRule

# Words allowed on a Chinese page: brands and platforms, units, file formats, and the
# acronyms Chinese SCRM consoles use as they are.
ALLOWED_EN = {
    "siyu", "api", "csv", "id", "ids", "url", "json", "sku", "skus", "gmv", "rfm", "clv", "roi",
    "cac", "koc", "kol", "vip", "top", "wecom", "wechat", "unionid", "openid", "userid",
    "taobao", "tmall", "jd", "douyin", "pos", "mini", "utc", "english", "p95", "qr", "pii",
    "bg", "nbd", "uv", "pv", "ok", "ltv", "ms", "kg", "ml", "g", "cups", "app", "h5", "aov",
    "etl", "excel", "gbk", "utf", "mp", "oa", "spu", "crm", "scrm", "fen", "arpu", "arppu",
    "bom", "shapley", "gamma", "pin", "appid", "jpeg", "png", "mb",
}  # fmt: skip
# Text on an English page that is Chinese by design: the language switch, and units of
# money and the brand's own words in examples.
ALLOWED_CJK = {"简体中文", "元"}

# Two letters or more: a lone letter is a unit, a model parameter or a list marker.
ENGLISH_WORD = re.compile(r"[A-Za-z][A-Za-z'’]+")
CJK_RUN = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]+")
SKIP_TAGS = {"script", "style", "textarea", "code", "pre", "noscript"}
READ_ATTRS = ("title", "placeholder", "aria-label", "alt")


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIP_TAGS:
            self.skipping += 1
        self.parts += [v for k, v in attrs if k in READ_ATTRS and v]
        if tag == "input" and dict(attrs).get("type") in {"submit", "button"}:
            self.parts.append(dict(attrs).get("value") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIP_TAGS and self.skipping:
            self.skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return "\n".join(p.strip() for p in parser.parts if p.strip())


def brand_data() -> list[str]:
    """The brand's own strings, longest first (so 上海静安店 goes before 上海)."""
    values: set[str] = set()
    for model, fields in (
        (Customer, ("display_name", "real_name", "region", "occupation")),
        (Identity, ("value", "namespace")),
        (ImportJob, ("file_name",)),
        (OrgUnit, ("name",)),
        (Staff, ("display_name",)),
        (Tag, ("name",)),
        (TagGroup, ("name",)),
        (Segment, ("name", "description")),
        (OrderLine, ("product_name", "category", "sku")),
        (Order, ("order_no",)),
        (Channel, ("name",)),
        (WelcomeVariant, ("name", "text", "miniprogram_title", "miniprogram_cover")),
        (ChannelCode, ("state", "config_id")),
        (Coupon, ("name", "gift_sku", "public_code")),
        (Lottery, ("name",)),
        (Prize, ("name",)),
        (GroupBuyDeal, ("name", "sku")),
        (EarningRule, ("name",)),
        (Tier, ("name",)),
        (PaidPlan, ("name",)),
        (MallItem, ("name",)),
        (SendPlan, ("title", "audience")),
        (Programme, ("name", "gift_name")),
        (Material, ("title", "text", "media_key")),
        (MaterialVariant, ("name", "title", "text")),
        (Folder, ("name",)),
        (ContentTag, ("name",)),
        (GroupChat, ("name", "chat_id", "owner_userid")),
        (GroupTag, ("name",)),
        (GroupCode, ("name", "state", "config_id", "room_base_name")),
        (GroupInvite, ("text", "audience")),
        (SopSlot, ("name", "text")),
        (GroupPost, ("text",)),
        (Persona, ("name", "bio", "voice")),
        (PersonaMoment, ("text",)),
        (Task, ("title", "outcome_note")),
        (TaskRule, ("name", "title")),
        (FollowNote, ("text",)),
        (Journey, ("name",)),
    ):
        for field in fields:
            values.update(v for v in model.objects.values_list(field, flat=True) if v)
    for certifications in Persona.objects.values_list("certifications", flat=True):
        values.update(str(c) for c in certifications or [])
    for interests in Customer.objects.values_list("interests", flat=True):
        values.update(str(i) for i in interests or [])
    values.update(get_user_model().objects.values_list("username", flat=True))
    # An import's error report is written once, in the language the import ran in.
    for report in ImportJob.objects.values_list("error_report", flat=True):
        values.update(str(row.get("message", "")) for row in report if row.get("message"))
    return sorted(values, key=len, reverse=True)


def without_data(text: str, data: list[str]) -> str:
    for value in data:
        if value.isascii():  # a Latin name: whole words only, "co" must not eat "coffee"
            text = re.sub(rf"(?<![A-Za-z]){re.escape(value)}(?![A-Za-z])", " ", text)
        else:
            text = text.replace(value, " ")
    return text


def english_words(text: str) -> list[str]:
    text = re.sub(r"\b[A-Z0-9]+(?:[-_][A-Z0-9]+)+\b", " ", text)  # SKUs, order numbers
    text = re.sub(r"\S+@\S+|\w+\.\w+(?:\.\w+)*", " ", text)  # usernames, file names
    return sorted(
        {w for w in ENGLISH_WORD.findall(text) if w.lower().strip("'’-") not in ALLOWED_EN}
    )


def cjk_runs(text: str) -> list[str]:
    text = re.sub(r"\S\*+", " ", text)  # a masked real name: 张*
    return sorted(
        {r for r in CJK_RUN.findall(text) if r not in ALLOWED_CJK and r.strip("，。、：；（）　")}
    )
