from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from siyu.content.models import LinkOpen, LinkViewer, TrackedLink
from siyu.content.radar import Reader, record_open
from siyu.content.render import render_material
from siyu.content.tests.factories import make_customer, make_material
from siyu.customers.models import Event
from siyu.demo.brand import Brand
from siyu.messaging.models import Send

pytestmark = pytest.mark.django_db


def _link(brand: Brand) -> tuple[TrackedLink, int]:
    zhang = make_customer(brand)
    m = make_material()
    render_material(m.pk, zhang.pk, send_ref="sidebar:1", sender_id=brand.chen_jing.pk)
    return TrackedLink.objects.get(), zhang.pk


def test_an_open_records_the_reader_an_event_and_notifies_the_owner(brand: Brand) -> None:
    link, zhang = _link(brand)
    client = Client()
    for _ in range(3):
        page = client.get(f"/r/{link.code}")
        assert page.status_code == 200
    viewer = LinkViewer.objects.get()
    assert (viewer.opens, viewer.customer_id, viewer.forwarded) == (3, zhang, False)
    events = Event.objects.filter(type="material_open").order_by("pk")
    assert [e.properties["opens"] for e in events] == [1, 2, 3]
    assert events[0].properties["material_id"] == link.material_id
    # Throttled: the three opens within the notice window make one owner notice.
    notices = Send.objects.filter(source="content")
    assert notices.count() == 1
    plan_text = notices.get().plan.content["text"]
    assert "张敏" in plan_text
    assert "手冲入门" in plan_text


def test_a_later_open_after_the_window_notifies_again_with_its_count(brand: Brand) -> None:
    link, _zhang = _link(brand)
    reader = Reader("b:tok")
    now = timezone.now()
    record_open(link.code, reader, at=now)
    record_open(link.code, reader, at=now + timedelta(minutes=5))
    record_open(link.code, reader, at=now + timedelta(hours=2))
    texts = [s.plan.content["text"] for s in Send.objects.filter(source="content").order_by("pk")]
    assert len(texts) == 2
    assert "3" in texts[1]


def test_a_second_browser_on_a_personal_link_is_a_forward(brand: Brand) -> None:
    link, zhang = _link(brand)
    Client().get(f"/r/{link.code}")
    Client().get(f"/r/{link.code}")
    first, second = LinkViewer.objects.order_by("pk")
    assert (first.customer_id, first.forwarded) == (zhang, False)
    assert (second.customer_id, second.forwarded) == (None, True)


def test_the_beacon_keeps_the_longest_reading_time_per_open(brand: Brand) -> None:
    link, _zhang = _link(brand)
    client = Client()
    client.get(f"/r/{link.code}")
    open_id = LinkOpen.objects.get().pk
    for seconds in (10, 40, 25):
        r = client.post(f"/r/{link.code}/beacon", {"open": open_id, "seconds": seconds})
        assert r.status_code == 204
    assert LinkViewer.objects.get().seconds == 40
    # Another browser cannot write this open's time.
    assert (
        Client().post(f"/r/{link.code}/beacon", {"open": open_id, "seconds": 99}).status_code == 404
    )
    assert client.post(f"/r/{link.code}/beacon", {"open": "x", "seconds": 1}).status_code == 400
    assert client.post(f"/r/{link.code}/beacon", {"open": 2**70}).status_code == 400


def test_beacons_never_notify(brand: Brand) -> None:
    link, _zhang = _link(brand)
    client = Client()
    client.get(f"/r/{link.code}")
    open_id = LinkOpen.objects.get().pk
    for seconds in range(1, 6):
        client.post(f"/r/{link.code}/beacon", {"open": open_id, "seconds": seconds})
    assert Send.objects.filter(source="content").count() == 1


@pytest.mark.parametrize(
    "query",
    [
        "?next=https://evil.example",
        "?url=//evil.example",
        "?to=javascript:alert(1)",
        "?redirect=%2F%2Fevil.example",
    ],
)
def test_the_click_through_only_ever_leads_to_the_materials_own_url(
    brand: Brand, query: str
) -> None:
    link, _zhang = _link(brand)
    r = Client().get(f"/r/{link.code}/go{query}")
    assert r.status_code == 302
    assert r["Location"] == "https://brand.example.com/articles/pour-over"
    landing = Client().get(f"/r/{link.code}{query}")
    assert landing.status_code == 200


def test_unknown_or_overlong_codes_are_not_found_and_lead_nowhere() -> None:
    client = Client()
    assert client.get("/r/nosuchcode").status_code == 404
    assert client.get("/r/nosuchcode/go?next=https://evil.example").status_code == 404
    assert client.get("/r/" + "x" * 300).status_code == 404
    assert client.get("/r/%2F%2Fevil.example/go").status_code == 404


def test_a_link_material_without_a_safe_url_does_not_redirect(brand: Brand) -> None:
    link, _zhang = _link(brand)
    link.material.url = "javascript:alert(1)"
    link.material.save()
    assert Client().get(f"/r/{link.code}/go").status_code == 404


@override_settings(SIYU_CONTENT_NOTICE_MINUTES=0)
def test_with_no_throttle_each_open_notifies(brand: Brand) -> None:
    link, _zhang = _link(brand)
    client = Client()
    client.get(f"/r/{link.code}")
    client.get(f"/r/{link.code}")
    assert Send.objects.filter(source="content").count() == 2
