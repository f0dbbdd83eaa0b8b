"""Things that happen on the WeCom side, each followed by the signed, encrypted callback
WeCom would POST to Siyu: a customer scans a channel code, someone deletes someone, a
customer joins or leaves a group."""

from __future__ import annotations

import logging
import secrets
import time
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

import httpx

from siyu.integrations.wecom.crypto import seal
from siyu.integrations.wecom.simulator.endpoints import SimEndpoints
from siyu.integrations.wecom.simulator.state import Contact, Json, WelcomeCode, new_id

log = logging.getLogger("siyu.wecom.simulator")


@dataclass(frozen=True)
class Delivery:
    status: int  # HTTP status of Siyu's answer; 0 = no callback URL / not reachable
    body: str


@dataclass(frozen=True)
class Scan:
    external_userid: str
    userid: str
    welcome_code: str
    delivery: Delivery


def event_xml(corp_id: str, at: int, fields: dict[str, Any]) -> str:
    parts = [
        f"<ToUserName><![CDATA[{corp_id}]]></ToUserName>",
        "<FromUserName><![CDATA[sys]]></FromUserName>",
        f"<CreateTime>{at}</CreateTime>",
        "<MsgType><![CDATA[event]]></MsgType>",
    ]
    for name, value in fields.items():
        if isinstance(value, list):
            items = "".join(f"<Item><![CDATA[{escape(str(v))}]]></Item>" for v in value)
            parts.append(f"<{name}>{items}</{name}>")
        else:
            parts.append(f"<{name}><![CDATA[{escape(str(value))}]]></{name}>")
    return "<xml>" + "".join(parts) + "</xml>"


class SimActions(SimEndpoints):
    def __init__(
        self,
        *args: Any,
        callback_token: str = "",
        aes_key: str = "",
        callback_url: str = "",
        callback_transport: httpx.BaseTransport | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.callback_token = callback_token
        self.aes_key = aes_key
        self.callback_url = callback_url
        self.callback_transport = callback_transport
        self.deliveries: list[Delivery] = []
        self.sent_events: list[str] = []

    # -- world set-up -------------------------------------------------------------------
    def add_staff(self, *userids: str) -> None:
        with self.lock:
            for userid in userids:
                if userid not in self.world.staff:
                    self.world.staff.append(userid)

    # -- callbacks ----------------------------------------------------------------------
    def send_callback(self, fields: dict[str, Any]) -> Delivery:
        """Seal one event like WeCom does and POST it to the callback URL."""
        return self.post_event(event_xml(self.corp_id, int(self.clock()), fields))

    def redeliver(self, index: int = -1) -> Delivery:
        """WeCom retries a callback it got no timely answer for: same event, new nonce."""
        return self.post_event(self.sent_events[index])

    def post_event(self, xml: str) -> Delivery:
        if not self.callback_url:
            return Delivery(0, "no callback url")
        self.sent_events.append(xml)
        sealed = seal(
            xml,
            token=self.callback_token,
            encoding_aes_key=self.aes_key,
            corp_id=self.corp_id,
            timestamp=str(int(time.time())),
            nonce=secrets.token_hex(8),
        )
        try:
            with httpx.Client(transport=self.callback_transport, timeout=5.0) as http:
                response = http.post(self.callback_url, params=sealed.query(), content=sealed.body)
            delivery = Delivery(response.status_code, response.text)
        except httpx.HTTPError as exc:
            delivery = Delivery(0, f"unreachable: {exc}")
        log.debug("simulator callback → %s", delivery.status)
        self.deliveries.append(delivery)
        return delivery

    # -- customers ----------------------------------------------------------------------
    def _pick_user(self, config_id: str, way: Json) -> str:
        users = list(way.get("user") or [])
        position = self.world.next_user.get(config_id, 0)
        self.world.next_user[config_id] = position + 1
        return str(users[position % len(users)])

    def scan(
        self,
        config_id: str,
        *,
        name: str = "微信用户",
        unionid: str = "",
        external_userid: str = "",
        remark_mobile: str = "",
    ) -> Scan:
        """A WeChat user scans the contact way's QR code and is added by one of its staff."""
        with self.lock:
            way = self.world.ways[config_id]
            userid = self._pick_user(config_id, way)
            ext = external_userid or new_id("wm", 14)
            contact = self.world.contacts.setdefault(ext, Contact(ext, name, unionid))
            follow: Json = {
                "userid": userid,
                "remark": "",
                "createtime": int(self.clock()),
                "state": way.get("state", ""),
                "add_way": 1,
                "tags": [],
            }
            if remark_mobile:
                follow["remark_mobiles"] = [remark_mobile]
            contact.follows[userid] = follow
            code = WelcomeCode(new_id("WELCOME", 16), userid, ext, self.clock())
            self.world.welcome_codes[code.code] = code
        delivery = self.send_callback(
            {
                "Event": "change_external_contact",
                "ChangeType": "add_external_contact",
                "UserID": userid,
                "ExternalUserID": ext,
                "State": way.get("state", ""),
                "WelcomeCode": code.code,
            }
        )
        return Scan(ext, userid, code.code, delivery)

    def set_remark_mobile(self, external_userid: str, userid: str, mobile: str) -> Delivery:
        """Staff writes the customer's phone into the remark (edit_external_contact)."""
        with self.lock:
            self.world.contacts[external_userid].follows[userid]["remark_mobiles"] = [mobile]
        return self.send_callback(
            {
                "Event": "change_external_contact",
                "ChangeType": "edit_external_contact",
                "UserID": userid,
                "ExternalUserID": external_userid,
            }
        )

    def customer_deletes_staff(self, external_userid: str, userid: str) -> Delivery:
        return self._remove(external_userid, userid, "del_follow_user")

    def staff_deletes_customer(self, external_userid: str, userid: str) -> Delivery:
        return self._remove(external_userid, userid, "del_external_contact")

    def _remove(self, external_userid: str, userid: str, change_type: str) -> Delivery:
        with self.lock:
            self.world.contacts[external_userid].follows.pop(userid, None)
        fields = {
            "Event": "change_external_contact",
            "ChangeType": change_type,
            "UserID": userid,
            "ExternalUserID": external_userid,
        }
        if change_type == "del_external_contact":
            fields["Source"] = "DELETE_BY_USER"
        return self.send_callback(fields)

    # -- groups -------------------------------------------------------------------------
    def new_group(self, owner: str, name: str) -> str:
        """A group in the world, its owner its one member (callers hold the lock)."""
        chat_id = new_id("wr", 14)
        self.world.groups[chat_id] = {
            "chat_id": chat_id,
            "name": name,
            "owner": owner,
            "create_time": int(self.clock()),
            "member_list": [{"userid": owner, "type": 1, "join_scene": 1}],
            "admin_list": [],
        }
        return chat_id

    def create_group(self, owner: str, name: str, members: list[str] | None = None) -> str:
        with self.lock:
            chat_id = self.new_group(owner, name)
        self.send_callback(
            {"Event": "change_external_chat", "ChangeType": "create", "ChatId": chat_id}
        )
        for member in members or []:
            self.join_group(chat_id, member)
        return chat_id

    def join_group(self, chat_id: str, external_userid: str, join_scene: int = 3) -> Delivery:
        with self.lock:
            self.world.groups[chat_id]["member_list"].append(
                {"userid": external_userid, "type": 2, "join_scene": join_scene}
            )
        return self._member_change(chat_id, "add_member", [external_userid], JoinScene=join_scene)

    def leave_group(self, chat_id: str, external_userid: str, quit_scene: int = 0) -> Delivery:
        with self.lock:
            group = self.world.groups[chat_id]
            group["member_list"] = [
                m for m in group["member_list"] if m["userid"] != external_userid
            ]
        return self._member_change(chat_id, "del_member", [external_userid], QuitScene=quit_scene)

    def _member_change(
        self, chat_id: str, detail: str, members: list[str], **extra: Any
    ) -> Delivery:
        fields: dict[str, Any] = {
            "Event": "change_external_chat",
            "ChangeType": "update",
            "ChatId": chat_id,
            "UpdateDetail": detail,
            **extra,
            "MemChangeCnt": len(members),
            "MemChangeList": members,
        }
        return self.send_callback(fields)
