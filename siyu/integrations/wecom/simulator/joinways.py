"""Simulated group join ways (「加入群聊」): a QR code over ≤ 5 groups with a `state`.

A scan puts the customer into the first listed group under 200 members (WeCom stops
scan-to-join there, though a group holds 500). When every listed group is at 200 and the
config has ``auto_create_room``, WeCom opens a new group named ``room_base_name`` plus
``room_base_id`` (then counts the id up), owned by the last group's owner, and lists it.
Members who came in by a scan carry the config's ``state`` in groupchat/get. Like WeCom,
get_join_way answers the config with its ``qr_code`` (add_join_way only with the config id),
an image URL on the image host that serves a real PNG, as for contact ways.
"""

from __future__ import annotations

from typing import Any

from siyu.integrations.wecom.simulator.actions import SimActions
from siyu.integrations.wecom.simulator.core import SimError, reply
from siyu.integrations.wecom.simulator.qr import qr_png, qr_url
from siyu.integrations.wecom.simulator.state import Json, new_id

GC = "/cgi-bin/externalcontact/groupchat"
MAX_CHATS = 5
SCAN_LIMIT = 200
GROUP_LIMIT = 500
STATE_MAX = 30


class JoinWaySim(SimActions):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        r = self.routes
        r[f"{GC}/add_join_way"] = self.add_join_way
        r[f"{GC}/get_join_way"] = self.get_join_way
        r[f"{GC}/update_join_way"] = self.update_join_way
        r[f"{GC}/del_join_way"] = self.del_join_way

    def _check_join_way(self, b: Json) -> None:
        chats = b.get("chat_id_list") or []
        if not chats or len(chats) > MAX_CHATS:
            raise SimError(40058, "chat_id_list must hold 1-5 chat ids")
        if any(c not in self.world.groups for c in chats):
            raise SimError(40050, "invalid chatid")
        if len(str(b.get("state", ""))) > STATE_MAX:
            raise SimError(40058, "state exceed max length 30")
        if b.get("auto_create_room", 1) and not b.get("room_base_name"):
            raise SimError(40058, "room_base_name required when auto_create_room")

    def add_join_way(self, q: dict[str, str], b: Json) -> Json:
        self._check_join_way(b)
        config_id = new_id("", 16)
        way = {"config_id": config_id, "auto_create_room": 1, "room_base_id": 1, **b}
        way["qr_code"] = qr_url(self.image_base, config_id)
        self.world.join_ways[config_id] = way
        return reply(config_id=config_id)

    def _join_way(self, b: Json) -> Json:
        way = self.world.join_ways.get(str(b.get("config_id", "")))
        if way is None:
            raise SimError(40058, "invalid config_id")
        return way

    def get_join_way(self, q: dict[str, str], b: Json) -> Json:
        return reply(join_way=dict(self._join_way(b)))

    def update_join_way(self, q: dict[str, str], b: Json) -> Json:
        way = self._join_way(b)
        self._check_join_way({**way, **b})
        way.update(b)
        return reply()

    def qr_image(self, config_id: str) -> bytes | None:
        """The PNG behind a join way's ``qr_code`` too (contact ways: the base's)."""
        with self.lock:
            known = config_id in self.world.join_ways
        return qr_png(config_id) if known else super().qr_image(config_id)

    def del_join_way(self, q: dict[str, str], b: Json) -> Json:
        self.world.join_ways.pop(self._join_way(b)["config_id"])
        return reply()

    # -- a customer scans -----------------------------------------------------------------
    def _open_room(self, way: Json) -> str:
        owner = self.world.groups[way["chat_id_list"][-1]]["owner"]
        base_id = int(way.get("room_base_id") or 1)
        name = f"{way.get('room_base_name', '')}{base_id}"
        chat_id = self.new_group(owner, name)
        way["room_base_id"] = base_id + 1
        chats = list(way["chat_id_list"])
        way["chat_id_list"] = [*chats[-(MAX_CHATS - 1) :], chat_id]
        return chat_id

    def _room_for(self, way: Json) -> tuple[str | None, bool]:
        for chat_id in way["chat_id_list"]:
            if len(self.world.groups[chat_id]["member_list"]) < SCAN_LIMIT:
                return chat_id, False
        if not way.get("auto_create_room"):
            return None, False
        return self._open_room(way), True

    def scan_join_way(self, config_id: str, external_userid: str) -> str | None:
        """A customer scans the config's QR code: the chat id they joined, or None when
        every group is full for scans (no auto_create_room)."""
        with self.lock:
            way = self.world.join_ways[config_id]
            chat_id, created = self._room_for(way)
            if chat_id is not None:
                self.world.groups[chat_id]["member_list"].append(
                    {
                        "userid": external_userid,
                        "type": 2,
                        "join_time": int(self.clock()),
                        "join_scene": 3,
                        "state": way.get("state", ""),
                    }
                )
        if chat_id is None:
            return None
        if created:
            self.send_callback(
                {"Event": "change_external_chat", "ChangeType": "create", "ChatId": chat_id}
            )
        self._member_change(chat_id, "add_member", [external_userid], JoinScene=3)
        return chat_id

    def fill_group(self, chat_id: str, count: int, prefix: str = "wmfill") -> None:
        """Members who came in by invitation (no callback per member): a busy group."""
        with self.lock:
            members = self.world.groups[chat_id]["member_list"]
            for n in range(count):
                if len(members) >= GROUP_LIMIT:
                    break
                members.append({"userid": f"{prefix}{chat_id[-6:]}{n}", "type": 2, "join_scene": 1})
