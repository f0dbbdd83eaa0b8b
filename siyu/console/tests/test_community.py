"""The community console: a group's health with the spike warning, the budget left and
the posts left today; planning a post under the ceiling; type and tags; group codes made
against the WeCom simulator; personas and their moments; the 360 page's groups. Sales
staff read, they do not write."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from siyu.community.models import CommunitySettings, GroupCode, GroupPost, Persona, PostKind
from siyu.community.sop import schedule_post
from siyu.community.tests.factories import make_group
from siyu.console.tests.factories import login, make_customer
from siyu.demo.brand import Brand
from siyu.groups.members import record_member_change
from siyu.groups.models import ChangeKind, GroupChat
from siyu.integrations.wecom.simulator.server import Simulator
from siyu.messaging.models import Send

pytestmark = pytest.mark.django_db


def _spiky_group(brand: Brand) -> GroupChat:
    people = [make_customer(f"群友{n}") for n in range(10)]
    chat = make_group(brand.wang_qiang, people, name="静安店福利群")
    at = timezone.now() - timedelta(days=1)
    schedule_post([chat], PostKind.DAILY_DEAL, "三连发特价", at)
    for person in people[:3]:
        record_member_change(
            chat.chat_id, f"wm{person.pk:06d}", kind=ChangeKind.QUIT,
            occurred_at=at + timedelta(hours=1), idempotency_key=f"q{person.pk}",
        )  # fmt: skip
    chat.refresh_from_db()
    return chat


def test_the_group_page_warns_of_a_quit_spike_and_shows_what_is_left(
    client: Client, brand: Brand, django_assert_max_num_queries: Any
) -> None:
    chat = _spiky_group(brand)
    login(client, brand.wang_qiang)
    with django_assert_max_num_queries(40):
        page = client.get(f"/community/groups/{chat.pk}/")
    text = page.content.decode()
    assert page.status_code == 200
    assert 'role="alert"' in text
    assert "<svg" in text
    assert "三连发特价" in text
    groups = client.get("/community/").content.decode()
    assert "静安店福利群" in groups


def test_a_post_is_planned_and_the_ceiling_refuses_more(client: Client, brand: Brand) -> None:
    CommunitySettings.objects.create(posts_per_day=1)
    chat = make_group(brand.wang_qiang)
    login(client, brand.wang_qiang)
    at = (timezone.localtime() + timedelta(days=1)).replace(hour=10, minute=0)
    body = {"kind": "daily_deal", "text": "今日特价", "at": at.strftime("%Y-%m-%dT%H:%M")}
    client.post(f"/community/groups/{chat.pk}/post/", body)
    later = {**body, "at": at.replace(hour=15).strftime("%Y-%m-%dT%H:%M")}
    page = client.post(f"/community/groups/{chat.pk}/post/", later, follow=True)
    assert GroupPost.objects.filter(status="planned").count() == 1
    assert GroupPost.objects.filter(status="over_ceiling").count() == 1
    assert Send.objects.filter(source="community-sop").count() == 1
    assert page.status_code == 200
    bad = client.post(f"/community/groups/{chat.pk}/post/", {**body, "at": "tomorrow"})
    assert bad.status_code == 302  # refused with a message, never a 500
    assert GroupPost.objects.count() == 2


def test_type_and_tags_are_saved_and_sales_cannot_write(client: Client, brand: Brand) -> None:
    chat = make_group(brand.chen_jing)  # her own group: she sees it, her manager edits it
    login(client, brand.chen_jing)
    url = f"/community/groups/{chat.pk}/edit/"
    assert client.get(f"/community/groups/{chat.pk}/").status_code == 200
    assert client.post(url, {"group_type": "store", "tags": "静安"}).status_code == 403
    login(client, brand.wang_qiang)
    client.post(url, {"group_type": "store", "tags": "静安，每日特价"})
    chat.refresh_from_db()
    assert chat.group_type == "store"
    assert sorted(chat.tags.values_list("name", flat=True)) == ["每日特价", "静安"]


def test_a_group_code_is_made_in_wecom_from_the_console(
    client: Client, brand: Brand, wired_sim: Simulator
) -> None:
    real = wired_sim.create_group("WangQiang", "静安店福利1群")
    chat = make_group(brand.wang_qiang)
    GroupChat.objects.filter(pk=chat.pk).update(chat_id=real)
    login(client, brand.wang_qiang)
    body = {"name": "静安店群活码", "chats": [chat.pk], "rotate_at": 190,
            "auto_create_room": "on", "room_base_name": "静安店福利", "welcome": "欢迎！"}  # fmt: skip
    client.post("/community/codes/new/", body)
    code = GroupCode.objects.get()
    assert code.config_id
    assert wired_sim.world.join_ways[code.config_id]["chat_id_list"] == [real]
    assert code.welcome["text"] == "欢迎！"
    assert "静安店群活码" in client.get("/community/codes/").content.decode()
    refused = client.post("/community/codes/new/", {**body, "rotate_at": 200}, follow=True)
    assert GroupCode.objects.count() == 1
    assert refused.status_code == 200


def test_a_persona_and_its_moment_from_the_console(client: Client, brand: Brand) -> None:
    login(client, brand.lin_yue)
    body = {"name": "咖啡师小山", "bio": "十年烘焙", "certifications": "SCA 认证咖啡师",
            "staff": [brand.lin_yue.pk, brand.chen_jing.pk]}  # fmt: skip
    client.post("/community/personas/new/", body)
    persona = Persona.objects.get()
    at = (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    client.post("/community/moments/new/", {"persona": persona.pk, "text": "今日手冲", "at": at})
    assert Send.objects.filter(source="community-persona").count() == 2
    page = client.get("/community/personas/").content.decode()
    assert "SCA 认证咖啡师" in page


def test_the_360_page_lists_the_customers_groups(client: Client, brand: Brand) -> None:
    lei = make_customer("赵蕾")
    make_group(brand.wang_qiang, [lei], name="静安店福利群")
    login(client, brand.lin_yue)
    page = client.get(f"/customers/{lei.pk}/").content.decode()
    assert 'id="groups"' in page
    assert "静安店福利群" in page


def test_each_role_sees_the_groups_it_reaches(client: Client, brand: Brand) -> None:
    from siyu.core.models import Role

    other = next(
        s for s in brand.staff.values()
        if s.role == Role.STORE_MANAGER and s.org_unit_id != brand.wang_qiang.org_unit_id
    )  # fmt: skip
    store, own, elsewhere = (make_group(s) for s in (brand.wang_qiang, brand.chen_jing, other))
    seen: dict[str, set[int]] = {}
    for staff in (brand.lin_yue, brand.wang_qiang, brand.chen_jing):
        login(client, staff)
        page = client.get("/community/")
        seen[staff.user.username] = {row["chat"].pk for row in page.context["rows"]}
    assert seen["lin.yue"] >= {store.pk, own.pk, elsewhere.pk}  # HQ: the brand
    assert seen["wang.qiang"] == {store.pk, own.pk}  # his store's staff's groups
    assert seen["chen.jing"] == {own.pk}  # a sales rep: her own
    assert client.get(f"/community/groups/{own.pk}/").status_code == 200
    assert client.get(f"/community/groups/{store.pk}/").status_code == 404
    login(client, brand.wang_qiang)
    assert client.get(f"/community/groups/{elsewhere.pk}/").status_code == 404
    assert (
        client.post(f"/community/groups/{elsewhere.pk}/edit/", {"group_type": "koc"}).status_code
        == 404
    )
