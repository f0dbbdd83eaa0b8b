"""Conversion per material and variant, end to end: a tracked link opened, the reader
known, the owner told, an order within the window, the figures per material and variant."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from siyu.console.tests.factories import login
from siyu.content.conversion import Touch, best_and_worst, conversion
from siyu.content.library import save_variant
from siyu.content.models import TrackedLink
from siyu.content.radar import Reader, record_open
from siyu.content.render import render_material
from siyu.content.tests.factories import buy, make_customer, make_material
from siyu.demo.brand import Brand
from siyu.messaging.models import Send

pytestmark = pytest.mark.django_db


def test_an_order_after_an_open_within_the_window_counts_for_the_material(brand: Brand) -> None:
    zhang = make_customer(brand)
    li = make_customer(brand, "李娜", "oLiNa")
    article = make_material()
    poster = make_material("新品海报", url="https://brand.example.com/new")
    now = timezone.now() - timedelta(days=20)
    render_material(article.pk, zhang.pk, send_ref="s:1", sender_id=brand.chen_jing.pk)
    render_material(article.pk, li.pk, send_ref="s:1")
    render_material(poster.pk, li.pk, send_ref="s:2")
    a_link = TrackedLink.objects.get(material=article, customer=zhang)
    record_open(a_link.code, Reader("b:zhang"), at=now)
    assert Send.objects.filter(source="content", staff_id=brand.chen_jing.pk).count() == 1
    buy(zhang, "o-1", 3800, now + timedelta(days=2))  # inside 7 days
    buy(zhang, "o-2", 9900, now + timedelta(days=9))  # outside
    buy(li, "o-3", 5000, now + timedelta(days=1))  # li never opened: not attributed
    rows = {r.title: r for r in conversion()}
    a = rows["手冲入门"]
    assert (a.sends, a.recipients, a.readers, a.opens, a.orders, a.revenue_fen) == (
        2, 2, 1, 1, 1, 3800,
    )  # fmt: skip
    assert a.rate == 0.5
    assert rows["新品海报"].orders == 0
    wide = {r.title: r for r in conversion(days=10)}
    assert wide["手冲入门"].revenue_fen == 3800 + 9900
    best, worst = best_and_worst(list(rows.values()))
    assert best[0].title == "手冲入门"
    assert worst[0].title == "新品海报"


def test_last_and_first_touch_give_the_order_to_different_materials(brand: Brand) -> None:
    zhang = make_customer(brand)
    first, last = make_material("第一篇"), make_material("第二篇", url="https://b.example/2")
    t0 = timezone.now() - timedelta(days=5)
    for m, at in ((first, t0), (last, t0 + timedelta(days=1))):
        render_material(m.pk, zhang.pk, send_ref=f"s:{m.pk}")
        record_open(TrackedLink.objects.get(material=m).code, Reader("b:z"), at=at)
    buy(zhang, "o-1", 1000, t0 + timedelta(days=2))
    by_last = {r.title: r.orders for r in conversion(touch=Touch.LAST)}
    by_first = {r.title: r.orders for r in conversion(touch=Touch.FIRST)}
    assert by_last == {"第一篇": 0, "第二篇": 1}
    assert by_first == {"第一篇": 1, "第二篇": 0}


def test_per_variant_rows_and_the_page_compares_two_variants(client: Client, brand: Brand) -> None:
    m = make_material()
    save_variant(m, name="A", text="A {name}")
    save_variant(m, name="B", text="B {name}")
    t0 = timezone.now() - timedelta(days=3)
    for i in range(12):
        c = make_customer(brand, f"顾客{i}", f"o{i}")
        render_material(m.pk, c.pk, send_ref="mass-by-owner")
        link = TrackedLink.objects.get(customer=c)
        record_open(link.code, Reader(f"b:{i}"), at=t0)
        if i % 2 == 0:
            buy(c, f"o-{i}", 2000, t0 + timedelta(hours=5))
    rows = conversion(per_variant=True, material_id=m.pk)
    assert {r.variant for r in rows} == {"A", "B"}
    assert sum(r.recipients for r in rows) == 12
    assert sum(r.orders for r in rows) == 6
    page = login(client, brand.lin_yue).get("/content/conversion/", {"material": m.pk})
    assert page.status_code == 200
    assert page.context["compare"] is not None
    assert "95" in page.content.decode()
    assert client.get("/content/conversion/", {"days": "0"}).status_code == 400
    assert client.get("/content/conversion/", {"material": "x"}).status_code == 400
