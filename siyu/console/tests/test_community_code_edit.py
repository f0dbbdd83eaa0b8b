"""Editing a group code from the console against the WeCom simulator: its groups, threshold
and welcome change, WeCom's join way is updated once the outbox runs (the printed QR keeps
its config id), a deletion stops the code; sales look, another store's manager finds nothing,
and a bad threshold is answered with the form, not a 500."""

from __future__ import annotations

import pytest
from django.test import Client

from siyu.community.models import GroupCode
from siyu.community.tests.factories import make_group
from siyu.console.tests.factories import login
from siyu.core.models import Staff
from siyu.demo.brand import Brand
from siyu.groups.models import GroupChat
from siyu.integrations.wecom.outbox import drain_outbox
from siyu.integrations.wecom.simulator.server import Simulator

pytestmark = pytest.mark.django_db


def _real_group(sim: Simulator, owner: Staff, name: str) -> GroupChat:
    chat = make_group(owner, name=name)
    real = sim.create_group(str(owner.wecom_userid), name)
    GroupChat.objects.filter(pk=chat.pk).update(chat_id=real)
    return GroupChat.objects.get(pk=chat.pk)


def _code(client: Client, chat: GroupChat) -> GroupCode:
    body = {"name": "静安店群活码", "chats": [chat.pk], "rotate_at": 190, "auto_create_room": "on"}
    client.post("/community/codes/new/", body)
    return GroupCode.objects.get()


def test_a_code_is_edited_and_wecom_lists_the_new_groups(
    client: Client, brand: Brand, wired_sim: Simulator
) -> None:
    first, second = (
        _real_group(wired_sim, brand.wang_qiang, "福利1群"),
        _real_group(wired_sim, brand.wang_qiang, "福利2群"),
    )
    login(client, brand.wang_qiang)
    code = _code(client, first)
    url = f"/community/codes/{code.pk}/"
    assert "静安店群活码" in client.get(url).content.decode()

    body = {"name": "静安店福利群码", "chats": [first.pk, second.pk], "rotate_at": 150,
            "room_base_name": "静安福利", "welcome": "欢迎加入"}  # fmt: skip
    assert client.post(url, body).status_code == 302
    code.refresh_from_db()
    assert (code.name, code.rotate_at, code.auto_create_room) == ("静安店福利群码", 150, False)
    assert code.welcome["text"] == "欢迎加入"
    assert code.active_chat_ids == [first.chat_id, second.chat_id]
    assert drain_outbox() == 1
    way = wired_sim.world.join_ways[code.config_id]
    assert way["chat_id_list"] == [first.chat_id, second.chat_id]
    assert way["auto_create_room"] == 0

    bad = client.post(url, {**body, "rotate_at": 200})
    assert bad.status_code == 400
    code.refresh_from_db()
    assert code.rotate_at == 150


def test_sales_look_other_stores_find_nothing_and_a_deletion_stops_the_code(
    client: Client, brand: Brand, wired_sim: Simulator
) -> None:
    login(client, brand.wang_qiang)  # her group: she sees its code, her manager edits it
    code = _code(client, _real_group(wired_sim, brand.chen_jing, "陈静的福利群"))
    url = f"/community/codes/{code.pk}/"
    login(client, brand.chen_jing)
    assert client.get(url).status_code == 200
    assert client.post(url, {"name": "x"}).status_code == 403
    assert client.post(f"{url}delete/").status_code == 403
    other = next(s for u, s in sorted(brand.staff.items()) if u.startswith("manager"))
    login(client, other)
    assert client.get(url).status_code == 404
    login(client, brand.wang_qiang)
    assert client.post(f"{url}delete/").status_code == 302
    code.refresh_from_db()
    assert code.status == "deleted"
    drain_outbox()
    assert code.config_id not in wired_sim.world.join_ways
    assert client.get(url).status_code == 404
