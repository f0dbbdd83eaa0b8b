"""Group join ways (「加入群聊」, 群活码): a QR code for up to 5 groups, with our `state`."""

from __future__ import annotations

from siyu.community.seams import JoinWaySpec
from siyu.integrations.wecom.client.core import Json, WeComCore

GC = "/cgi-bin/externalcontact/groupchat"
SCENE_QR = 2
MAX_CHATS = 5  # WeCom: chat_id_list holds at most 5 groups


def join_way_body(way: JoinWaySpec) -> Json:
    body: Json = {
        "scene": SCENE_QR,
        "remark": way.remark[:30],
        "auto_create_room": 1 if way.auto_create_room else 0,
        "chat_id_list": list(way.chat_ids)[:MAX_CHATS],
        "state": way.state,
    }
    if way.auto_create_room:
        # WeCom names new rooms room_base_name + a number counted from room_base_id.
        body["room_base_name"] = way.room_base_name[:40]
        body["room_base_id"] = way.room_base_id
    return body


class JoinWaysAPI(WeComCore):
    def add_join_way(self, way: JoinWaySpec) -> str:
        """Returns the config_id; the QR code is read with get_join_way."""
        return str(self.post(f"{GC}/add_join_way", join_way_body(way))["config_id"])

    def get_join_way(self, config_id: str) -> Json:
        return dict(self.post(f"{GC}/get_join_way", {"config_id": config_id})["join_way"])

    def update_join_way(self, config_id: str, way: JoinWaySpec) -> None:
        """Overwrites the whole config (chat list included)."""
        self.post(f"{GC}/update_join_way", {"config_id": config_id, **join_way_body(way)})

    def del_join_way(self, config_id: str) -> None:
        self.post(f"{GC}/del_join_way", {"config_id": config_id})
