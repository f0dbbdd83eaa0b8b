from __future__ import annotations

import pytest

from siyu.content.library import save_variant
from siyu.content.models import ContentSend, TrackedLink
from siyu.content.render import render_material
from siyu.content.tests.factories import make_customer, make_material
from siyu.demo.brand import Brand

pytestmark = pytest.mark.django_db


def test_variables_are_filled_for_the_customer_and_the_link_is_tracked(brand: Brand) -> None:
    zhang = make_customer(brand)
    m = make_material()
    msg = render_material(m.pk, zhang.pk, send_ref="sidebar:1", coupon_url="https://c.example/1")
    assert msg.text == "张敏 您好，陈静 为您准备了《手冲入门》。上海静安店 见！https://c.example/1"
    link = TrackedLink.objects.get()
    assert link.customer == zhang
    assert msg.url.endswith(f"/r/{link.code}")
    assert msg.attachments[0]["link"]["url"] == msg.url
    assert m.url not in msg.url


def test_rendering_the_same_send_again_gives_the_same_link_and_one_send_row(brand: Brand) -> None:
    zhang = make_customer(brand)
    m = make_material()
    first = render_material(m.pk, zhang.pk, send_ref="sidebar:1")
    again = render_material(m.pk, zhang.pk, send_ref="sidebar:1")
    assert first.url == again.url
    assert ContentSend.objects.count() == 1


def test_a_mass_send_has_one_link_for_everyone_and_no_personal_values() -> None:
    m = make_material()
    msg = render_material(m.pk, None, send_ref="mass:7")
    assert "{name}" not in msg.text
    assert "张敏" not in msg.text
    assert TrackedLink.objects.get().recipient == "*"


def test_variants_split_recipients_by_weight_and_stay_stable(brand: Brand) -> None:
    m = make_material()
    a = save_variant(m, name="A", text="A：{name}")
    b = save_variant(m, name="B", text="B：{name}")
    seen = {}
    for i in range(40):
        msg = render_material(m.pk, None, send_ref=f"mass:{i}")
        seen[i] = msg.fields["variant_id"]
        assert render_material(m.pk, None, send_ref=f"mass:{i}").fields["variant_id"] == seen[i]
    assert set(seen.values()) == {str(a.pk), str(b.pk)}
