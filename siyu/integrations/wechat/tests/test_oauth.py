"""A tracked link opened in WeChat: silent web OAuth names the reader by openid."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from siyu.content.models import LinkViewer, TrackedLink
from siyu.content.render import render_material
from siyu.content.tests.factories import make_customer, make_material
from siyu.demo.brand import Brand
from siyu.integrations.wechat.simulator import WechatSimulator

pytestmark = pytest.mark.django_db
WECHAT_UA = "Mozilla/5.0 (iPhone) MicroMessenger/8.0.50"


def test_a_mass_link_opened_in_wechat_identifies_the_customer_by_openid(
    brand: Brand, sim: WechatSimulator
) -> None:
    zhang = make_customer(brand, openid="oZhangOA2")
    render_material(make_material().pk, None, send_ref="mass:1")
    link = TrackedLink.objects.get()
    client = Client(HTTP_USER_AGENT=WECHAT_UA)
    first = client.get(f"/r/{link.code}")
    assert first.status_code == 302
    target = urlsplit(first["Location"])
    assert target.netloc == "open.weixin.qq.com"
    query = parse_qs(target.query)
    assert query["state"] == [link.code]
    assert query["scope"] == ["snsapi_base"]
    # WeChat sends the reader back with a code for their openid.
    back = client.get(
        "/wechat/oauth/back/", {"code": sim.issue_code("oZhangOA2"), "state": link.code}
    )
    assert back.status_code == 302
    assert back["Location"] == f"/r/{link.code}"
    assert client.get(back["Location"]).status_code == 200
    viewer = LinkViewer.objects.get()
    assert viewer.viewer == "o:oZhangOA2"
    assert viewer.customer_id == zhang.pk


def test_a_bad_code_reads_on_without_openid_and_does_not_loop(
    brand: Brand, sim: WechatSimulator
) -> None:
    render_material(make_material().pk, None, send_ref="mass:1")
    link = TrackedLink.objects.get()
    client = Client(HTTP_USER_AGENT=WECHAT_UA)
    back = client.get("/wechat/oauth/back/", {"code": "forged", "state": link.code})
    assert back["Location"] == f"/r/{link.code}?oauth=0"
    assert client.get(back["Location"]).status_code == 200
    assert LinkViewer.objects.get().viewer.startswith("b:")


@pytest.mark.parametrize("state", ["https://evil.example", "//evil.example", "../admin", ""])
def test_the_way_back_never_leads_off_the_landing(sim: WechatSimulator, state: str) -> None:
    r = Client().get("/wechat/oauth/back/", {"code": "x", "state": state})
    assert r.status_code == 400
